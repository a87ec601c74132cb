"""Shared helpers of the end-to-end scripts (e2e.py, network.py): run the lurewatch binary,
count and print results, and read its JSON-lines alerts and stderr summary.

A script sets the binary once with set_binary(sys.argv[1]) and reads `results`
([passed, failed, skipped], updated in place) at the end.
"""
import json
import os
import shutil
import subprocess

LW = None  # absolute path of the lurewatch binary under test; see set_binary()
results = [0, 0, 0]  # passed, failed, skipped


def set_binary(path):
    """Make path (absolute) the binary run() runs; returns that absolute path."""
    global LW
    LW = os.path.abspath(path)
    return LW


def run(*args, stdin=None, timeout=300, env=None):
    """Run the binary; env: variables to set on top of this process's environment."""
    full = None
    if env:
        full = dict(os.environ)
        full.update(env)
    return subprocess.run([LW, *args], input=stdin, capture_output=True, timeout=timeout, env=full)


def check(name, cond, detail="", limit=None):
    """Count and print one result; on failure print detail (its last `limit` characters
    when limit is set, so a long stderr stays readable)."""
    if cond:
        results[0] += 1
        print("ok      " + name)
    else:
        results[1] += 1
        text = str(detail)
        print("FAIL    %s %s" % (name, text[-limit:] if limit else text))


def skip(name, why):
    results[2] += 1
    print("skip    %s (%s)" % (name, why))


def alerts(out):
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def summary(stderr, key):
    """'  records  12 read, 10 decoded, 2 skipped' -> {'read': 12, ...}"""
    for line in stderr.decode().splitlines():
        parts = line.split()
        if parts and parts[0] == key:
            words = line.replace(",", " ").replace("(", " ").replace(")", " ").split()[1:]
            return {words[i + 1]: int(words[i]) for i in range(len(words) - 1)
                    if words[i].isdigit()}
    return {}


def run_tests(tests, tmp, limit=None):
    """Run each test function in turn (a crash in one must not hide the others: it counts as
    that test failing), remove the scratch directory tmp, and print the counts."""
    for t in tests:
        try:
            t()
        except Exception as e:
            check(t.__name__, False, repr(e), limit=limit)
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % tuple(results))
