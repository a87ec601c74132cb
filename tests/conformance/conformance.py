#!/usr/bin/env python3
"""Run SigmaHQ's regression cases through lurewatch.

For each regression_data/**/info.yml: find the rule by id under rules*/, run
`lurewatch hunt -r RULE SAMPLE` on each listed sample (the .evtx and the side-by-side
evtx_dump .json), and count the alerts of that rule per sample.  A sample passes when it
yields at least match_count alerts (at least one when match_count is absent), as SigmaHQ's
own runner decides.

Known failures (tests/conformance/known-failures.txt, one "rule_id sample_type" per line
with a reason) are reported but do not fail the run; a known failure that now passes is
reported so the list can shrink.  Output ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys

import yaml


def rule_index(sigma):
    idx = {}
    for top in ("rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"):
        for dp, _, files in os.walk(os.path.join(sigma, top)):
            for fn in files:
                if not fn.endswith((".yml", ".yaml")):
                    continue
                p = os.path.join(dp, fn)
                with open(p, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if line.startswith("id:"):
                            idx.setdefault(line[3:].strip().strip("'\""), p)
                            break
    return idx


def main():
    lw, sigma = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    known = {}
    kf = os.path.join(here, "known-failures.txt")
    if os.path.exists(kf):
        for line in open(kf):
            line = line.split("#", 1)[0].strip()
            if line:
                parts = line.split(None, 2)
                known[(parts[0], parts[1])] = parts[2] if len(parts) > 2 else ""
    idx = rule_index(sigma)
    passed = failed = known_failed = fixed = 0
    failures = []
    by_type = {}
    exact = [0]
    cases = []
    for dp, _, files in os.walk(os.path.join(sigma, "regression_data")):
        if "info.yml" in files:
            cases.append(os.path.join(dp, "info.yml"))
    for info_path in sorted(cases):
        info = yaml.safe_load(open(info_path))
        rid = info["rule_metadata"][0]["id"]
        rule = idx.get(rid)
        tests = info.get("regression_tests_info") or []
        samples = []
        for t in tests:
            p = os.path.join(sigma, t["path"])
            samples.append((t.get("type", "evtx"), p, int(t.get("match_count") or 1)))
            # SigmaHQ keeps the evtx_dump JSON of each EVTX beside it: test both shapes.
            if t.get("type") == "evtx":
                j = os.path.splitext(p)[0] + ".json"
                if os.path.exists(j):
                    samples.append(("json", j, int(t.get("match_count") or 1)))
        for typ, path, want in samples:
            key = (rid, typ)
            got = -1
            err = ""
            if rule is None:
                err = "rule not found"
            elif not os.path.exists(path):
                err = "sample missing"
            else:
                r = subprocess.run([lw, "hunt", "-q", "-f", "jsonl", "-r", rule, path],
                                   capture_output=True, text=True, timeout=120)
                if r.returncode != 0:
                    err = "exit %d: %s" % (r.returncode, r.stderr.strip()[-300:])
                else:
                    got = sum(1 for line in r.stdout.splitlines()
                              if line.strip() and json.loads(line)["rule"]["id"] == rid)
            ok = got >= want
            if ok and got == want:
                exact[0] += 1
            s = by_type.setdefault(typ, [0, 0])
            s[0 if ok else 1] += 1
            if ok:
                passed += 1
                if key in known:
                    fixed += 1
                    print("FIXED  %s %s (remove from known-failures.txt)" % key)
            elif key in known:
                known_failed += 1
                print("KNOWN  %s %s want>=%d got %d: %s" % (rid, typ, want, got, known[key]))
            else:
                failed += 1
                failures.append("FAIL   %s %s want>=%d got %d %s  rule=%s sample=%s"
                                % (rid, typ, want, got, err, rule, path))
    for f in failures:
        print(f)
    for typ, (p, f) in sorted(by_type.items()):
        print("conformance %-5s: %d/%d samples pass" % (typ, p, p + f))
    print("conformance: %d of %d passing samples match exactly match_count (or 1 when absent)"
          % (exact[0], passed))
    print("conformance: %d known failures, %d fixed" % (known_failed, fixed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
