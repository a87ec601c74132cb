#!/usr/bin/env python3
"""Evaluate lurewatch's URL scorer on held-out URLs (the TEST split of url_dataset.py,
never used by scripts/fit-url-model.py), with block and allow lists OFF so only the
lexical and lookalike signals are measured.  Reports recall / FPR at the default
thresholds (suspicious 50, malicious 80), AUC, per-source recall, and throughput.

Classes: phishing = OpenPhish, malware = URLhaus; benign = tranco-synth (Tranco hosts) +
platform-synth (hosting-platform tenants); recall and FPR are reported per class/source.

Usage: bench/url/url-eval.py [path/to/lurewatch] [--all] [--train] [--misses] [--no-speed]
  --all: every URL, not only test; --train: the train split (for tuning);
  --misses: print phishing URLs scored < 50 and benign URLs scored >= 50.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import url_dataset  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def auc(pos, neg):
    # Mann-Whitney U with ties counted half
    allv = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg])
    rank_sum, i, n = 0.0, 0, len(allv)
    while i < n:
        j = i
        while j < n and allv[j][0] == allv[i][0]:
            j += 1
        r = (i + j + 1) / 2.0
        rank_sum += r * sum(1 for k in range(i, j) if allv[k][1])
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else os.path.join(ROOT, "build-intel", "lurewatch")
    rows = url_dataset.dataset()
    if "--train" in sys.argv:
        rows = [r for r in rows if r[2] == "train"]
    elif "--all" not in sys.argv:
        rows = [r for r in rows if r[2] == "test"]
    urls = [r[3] for r in rows]
    data = "\n".join(urls) + "\n"
    p = subprocess.run([binary, "url", "-f", "jsonl", "-"], input=data, capture_output=True,
                       text=True, check=True)
    js = [json.loads(l) for l in p.stdout.splitlines()]
    scores = [j["score"] for j in js]
    assert len(scores) == len(rows), (len(scores), len(rows))
    pos = [s for s, r in zip(scores, rows) if r[0] == "malicious"]
    neg = [s for s, r in zip(scores, rows) if r[0] == "benign"]
    print("%s URLs: %d malicious, %d benign (split by host; lists off)" % (
        "train" if "--train" in sys.argv else "all" if "--all" in sys.argv else "held-out", len(pos), len(neg)))
    for t in (50, 80):
        tp = sum(1 for s in pos if s >= t)
        fp = sum(1 for s in neg if s >= t)
        print("threshold %d: recall %.1f%%  FPR %.2f%%" % (t, 100.0 * tp / len(pos), 100.0 * fp / len(neg)))
    print("AUC %.4f" % auc(pos, neg))
    for src in sorted(set(r[1] for r in rows)):
        ss = [s for s, r in zip(scores, rows) if r[1] == src]
        print("  %-13s n=%5d  >=50: %5.1f%%  >=80: %5.1f%%" % (
            src, len(ss), 100.0 * sum(1 for s in ss if s >= 50) / len(ss),
            100.0 * sum(1 for s in ss if s >= 80) / len(ss)))
    for name, srcs in (("phishing", ["openphish"]), ("malware", ["urlhaus"]),
                       ("benign (all)", ["tranco-synth", "platform-synth"])):
        ss = [s for s, r in zip(scores, rows) if r[1] in srcs]
        if ss:
            what = "FPR" if name.startswith("benign") else "recall"
            print("  class %-13s n=%5d  %s >=50: %5.1f%%  >=80: %5.1f%%" % (
                name, len(ss), what, 100.0 * sum(1 for s in ss if s >= 50) / len(ss),
                100.0 * sum(1 for s in ss if s >= 80) / len(ss)))
    if "--misses" in sys.argv:
        for j, r in zip(js, rows):
            if (r[1] == "openphish" and j["score"] < 50) or (r[0] == "benign" and j["score"] >= 50):
                print("%s %3d %s  [%s]" % ("MISS" if r[0] == "malicious" else "FP  ", j["score"], r[3],
                                           ",".join(x["code"] for x in j["reasons"])))
    if "--no-speed" in sys.argv:
        return
    # throughput: every URL of the data set, 5 passes, JSON output to /dev/null
    allurls = "\n".join(r[3] for r in url_dataset.dataset()) + "\n"
    big = allurls * 5
    n = big.count("\n")
    t0 = time.perf_counter()
    subprocess.run([binary, "url", "-f", "jsonl", "-"], input=big, stdout=subprocess.DEVNULL,
                   text=True, check=True)
    dt = time.perf_counter() - t0
    print("throughput: %d URLs in %.2f s = %.0f URLs/s (one core, process start and JSON output included)"
          % (n, dt, n / dt))


if __name__ == "__main__":
    main()
