#!/usr/bin/env python3
"""Golden tests for lurewatch.

cases/NAME/           one case:
    rules/            rule files (or a file 'rules.path' naming a folder relative to the repo)
    events/           input files in any supported format (or 'events.path': paths
                      relative to the repo, whitespace-separated)
    args              optional: extra hunt arguments, one per line ({case} = case folder)
    expected.txt      expected alerts, one per line: "<rule id> <events file> <record>",
                      sorted; compared exactly (missing and extra alerts both fail).  For a
                      correlation alert, file and record are those of its first
                      contributing event (the alert's top-level "source").
    same-as           optional: the name of another case whose alerts must be identical in
                      content (rule, correlation group, every contributing event's time,
                      rule and fields), ignoring source file and record: proves that split,
                      reordered or streamed input gives the same alerts as one file
reject/NAME.yml       a rule that must be rejected; its first line is
                      "# expect-reject: LINE SUBSTRING" (LINE of the rejection, 0 = any;
                      SUBSTRING must occur in the reason)

Regenerate an expected.txt after a deliberate change with: golden.py LW --update NAME
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def run_case(lw, case):
    d = os.path.join(HERE, "cases", case)
    args = [lw, "hunt", "-q", "-f", "jsonl"]
    rp = os.path.join(d, "rules.path")
    if os.path.exists(rp):
        args += ["-r", os.path.join(REPO, open(rp).read().strip())]
    else:
        args += ["-r", os.path.join(d, "rules")]
    ap = os.path.join(d, "args")
    if os.path.exists(ap):
        args += [a.replace("{case}", d) for a in open(ap).read().split("\n") if a.strip()]
    ep = os.path.join(d, "events.path")
    if os.path.exists(ep):
        args += [os.path.join(REPO, x) for x in open(ep).read().split()]
    else:
        args.append(os.path.join(d, "events"))
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, r.stderr[-500:])
    got = []
    content = []
    for line in r.stdout.splitlines():
        a = json.loads(line)
        got.append("%s %s %s" % (a["rule"]["id"], os.path.basename(a["source"]["path"]),
                                 a["source"]["record"]))
        content.append(alert_content(a))
    CONTENT[case] = sorted(content)
    return sorted(got), r.stderr


CONTENT = {}


def alert_content(a):
    """An alert without where its events came from (for same-as comparisons)."""
    evs = a.get("events") or [a]
    return json.dumps([a["rule"]["id"], a.get("correlation", {}).get("group"),
                       [[e["time"], e["rule"]["id"], e["event"]] for e in evs]], sort_keys=True)


def main():
    lw = os.path.abspath(sys.argv[1])
    update = sys.argv[2:3] == ["--update"]
    only = sys.argv[3:] if update else sys.argv[2:]
    passed = failed = 0
    for case in sorted(os.listdir(os.path.join(HERE, "cases"))):
        if only and case not in only:
            continue
        got, err = run_case(lw, case)
        exp_path = os.path.join(HERE, "cases", case, "expected.txt")
        if update and got is not None:
            with open(exp_path, "w") as f:
                f.write("".join(g + "\n" for g in got))
            print("updated", case)
            continue
        exp = sorted(l.strip() for l in open(exp_path) if l.strip()) if os.path.exists(exp_path) else []
        same = os.path.join(HERE, "cases", case, "same-as")
        diff_same = None
        if got is not None and os.path.exists(same):
            other = open(same).read().strip()
            if other not in CONTENT:
                run_case(lw, other)
            if CONTENT.get(other) != CONTENT.get(case):
                diff_same = other
        if got == exp and diff_same is None:
            passed += 1
            print("ok      case %s (%d alerts)" % (case, len(got)))
        elif got == exp:
            failed += 1
            print("FAIL    case %s: alerts differ in content from case %s" % (case, diff_same))
        else:
            failed += 1
            print("FAIL    case %s" % case)
            if got is None:
                print("  " + err)
            else:
                for m in sorted(set(exp) - set(got)):
                    print("  missing:", m)
                for x in sorted(set(got) - set(exp)):
                    print("  extra:  ", x)
    rdir = os.path.join(HERE, "reject")
    for fn in sorted(os.listdir(rdir)):
        if not fn.endswith(".yml") or (only and fn not in only):
            continue
        p = os.path.join(rdir, fn)
        first = open(p).readline()
        assert first.startswith("# expect-reject:"), p
        want_line, want_sub = first.split(":", 1)[1].strip().split(None, 1)
        r = subprocess.run([lw, "rules", "check", "-f", "jsonl", p], capture_output=True,
                           text=True, timeout=60)
        reps = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        bad = [x for x in reps if x["status"] == "rejected"]
        ok = (len(bad) >= 1 and any(want_sub in x["reason"] and
              (want_line == "0" or int(want_line) == x["line"]) for x in bad))
        if ok:
            passed += 1
            print("ok      reject %s: %s" % (fn, bad[0]["reason"]))
        else:
            failed += 1
            print("FAIL    reject %s: want line %s ~%r, got %s" % (fn, want_line, want_sub, reps))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
