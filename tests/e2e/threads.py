#!/usr/bin/env python3
"""hunt -j 2 (a decode thread) gives exactly what hunt -j 1 gives: the same alerts, and
the same messages and summary in the same order, over every kind of input, bad records
included.  Run by ctest with the normal build and by `make test-tsan` under
ThreadSanitizer."""
import gzip
import os
import random
import select
import subprocess
import sys
import tempfile
import zipfile

import lwtest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
LW = lwtest.set_binary(sys.argv[1])
# Small fixtures too: by default files under 1 MiB stay on one thread.
os.environ["LUREWATCH_THREAD_MIN_BYTES"] = "0"
TMP = tempfile.mkdtemp(prefix="lw-threads-")
run, check, skip = lwtest.run, lwtest.check, lwtest.skip


def same(name, *args, stdin=None):
    """-j 1 and -j 2 agree on stdout, stderr and exit status (-v: every message)."""
    one = run("hunt", "-v", "-j", "1", "-f", "jsonl", *args, stdin=stdin)
    two = run("hunt", "-v", "-j", "2", "-f", "jsonl", *args, stdin=stdin)
    ok = (one.returncode == two.returncode == 0 and one.stdout == two.stdout and
          one.stderr == two.stderr)
    detail = ""
    if not ok:
        detail = "rc %d/%d, stdout %s, stderr:\n%s\n---\n%s" % (
            one.returncode, two.returncode, "same" if one.stdout == two.stdout else "differs",
            one.stderr.decode(errors="replace")[-1500:], two.stderr.decode(errors="replace")[-1500:])
    check("-j 2 = -j 1: " + name, ok, detail)
    return one


def t_live_stream():
    """A stream that stays open (winlogbeat | lurewatch hunt -), plain or gzip: the alerts
    of what has arrived come out at once, not when the stream ends, a read buffer fills or
    a decode batch would be full (streams are decoded inline whatever -j says)."""
    ex = open(os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl"), "rb").read()
    for j in ("1", "2"):
        for kind, data in (("plain", ex), ("gzip", gzip.compress(ex))):
            p = subprocess.Popen([LW, "hunt", "-j", j, "-f", "jsonl", "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                p.stdin.write(data)
                p.stdin.flush()
                ready, _, _ = select.select([p.stdout], [], [], 20)
                line = p.stdout.readline() if ready else b""
                check("-j %s, open %s stream: the first alert comes before the stream ends" % (j, kind),
                      line.startswith(b"{"), line[:200])
            finally:
                p.stdin.close()
                p.wait(timeout=60)
                p.stdout.close()


def junk_jsonl():
    """A few MB of the example events with junk lines, a truncated record and a long
    line mixed in: more than a batch's worth of items, skips among the events."""
    src = open(os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl"), "rb").read()
    lines = [l for l in src.splitlines() if l.strip()]
    rnd = random.Random(7)
    out = []
    for i in range(6000):
        out.append(lines[i % len(lines)])
        r = rnd.random()
        if r < 0.02:
            out.append(b"not json at all")
        elif r < 0.03:
            out.append(lines[i % len(lines)][:40])
        elif r < 0.031:
            out.append(b'{"x":"' + b"A" * 300000 + b'"}')
    path = os.path.join(TMP, "junk.jsonl")
    with open(path, "wb") as f:
        f.write(b"\n".join(out) + b"\n")
    return path


def t_threads():
    for sub in ("examples", "tests/fixtures/json", "tests/fixtures/evtx", "tests/fixtures/xml",
                "tests/fixtures/net", "tests/fixtures/shapes"):
        same(sub, os.path.join(REPO, sub))
    junk = junk_jsonl()
    r = same("JSONL with junk lines", junk)
    check("the junk input has skips to order", b"json-syntax" in r.stderr or b"skipped" in r.stderr,
          r.stderr[-300:])
    gz = junk + ".gz"
    with gzip.open(gz, "wb") as f:
        f.write(open(junk, "rb").read())
    same("gzip", gz)
    same("stdin", "-", stdin=open(junk, "rb").read())
    zp = os.path.join(TMP, "inputs.zip")
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(junk, "a/junk.jsonl")
        for name in sorted(os.listdir(os.path.join(REPO, "tests/fixtures/evtx"))):
            z.write(os.path.join(REPO, "tests/fixtures/evtx", name), "evtx/" + name)
    same("zip members", zp)
    same("two-pass", "--two-pass", os.path.join(REPO, "examples"), junk)
    # EVTX slack records come after each file's live ones, through the decode thread too
    slack = [os.path.join(REPO, "tests/fixtures/evtx")]
    if os.path.isdir(os.path.join(SHARED, "data/evtx_corpus")):
        slack.append(os.path.join(SHARED, "data/evtx_corpus"))
    same("EVTX slack", "--evtx-slack", *slack)
    for sub in ("data/evtx_corpus", "data/otrf_security_datasets"):
        p = os.path.join(SHARED, sub)
        if os.path.isdir(p):
            same("../shared/" + sub, p)
        else:
            skip("../shared/" + sub, "not present")


if __name__ == "__main__":
    os.chdir(REPO)
    lwtest.run_tests((t_threads, t_live_stream), TMP)
    sys.exit(1 if lwtest.results[1] else 0)
