#!/usr/bin/env python3
"""End-to-end tests of the lurewatch command line, as a user runs it."""
import csv
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import lwtest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
LW = lwtest.set_binary(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="lw-e2e-")
results = lwtest.results  # passed, failed, skipped
run, check, skip, alerts, summary = lwtest.run, lwtest.check, lwtest.skip, lwtest.alerts, lwtest.summary


def t_help():
    for args in (["--help"], ["hunt", "--help"], ["rules", "--help"], ["rules", "check", "--help"]):
        r = run(*args)
        check("help " + " ".join(args), r.returncode == 0 and b"usage:" in r.stdout, r.stderr)
    r = run("--version")
    check("--version", r.returncode == 0 and r.stdout.startswith(b"lurewatch "))


def t_usage_errors():
    check("hunt without input exits 2", run("hunt").returncode == 2)
    check("unknown format exits 2", run("hunt", "-f", "yaml", "examples").returncode == 2)
    check("unknown command exits 2", run("frobnicate").returncode == 2)
    check("missing rule path exits 2",
          run("hunt", "-r", "/nonexistent/rules", os.path.join(REPO, "examples")).returncode == 2)


def t_examples_jsonl():
    r = run("hunt", "-f", "jsonl", os.path.join(REPO, "examples"))
    check("hunt examples exit 0", r.returncode == 0, r.stderr)
    a = alerts(r.stdout)
    check("hunt examples: 19 alerts (one chain)", len(a) == 19 and sum("correlation" in x for x in a) == 1, len(a))
    keys_ok = all({"rule", "time", "host", "source", "event"} <= set(x) and
                  {"id", "title", "level", "status", "tags"} <= set(x["rule"]) and
                  {"path", "record"} <= set(x["source"]) for x in a)
    check("alert JSON has the stable keys", keys_ok)
    check("alert time is ISO 8601 UTC", all(x["time"].endswith("Z") and "T" in x["time"] for x in a))
    s = summary(r.stderr, "records")
    check("summary counts records", s.get("read") == 21 and s.get("decoded") == 21, (s, r.stderr))
    al = summary(r.stderr, "alerts")
    check("summary counts alerts by level", al.get("alerts", al.get("low")) is not None and
          b"alerts   19" in r.stderr, r.stderr)


def t_csv_and_output_file():
    out = os.path.join(TMP, "alerts.csv")
    r = run("hunt", "-f", "csv", "-o", out, os.path.join(REPO, "examples"))
    check("csv to -o file exit 0", r.returncode == 0, r.stderr)
    rows = list(csv.reader(open(out, newline="")))
    check("csv header + 19 alert rows + 2 chain-event rows", len(rows) == 22 and rows[0][0] == "time", len(rows))
    check("csv event column is JSON", all(json.loads(row[-1]) for row in rows[1:]))


def t_table():
    r = run("hunt", "-f", "table", os.path.join(REPO, "examples"))
    lines = r.stdout.decode().splitlines()
    check("table: header + 19 rows + 2 chain lines", r.returncode == 0 and len(lines) == 22 and
          lines[0].startswith("TIME"), lines[:2])
    check("table: no colour when not a TTY", b"\x1b[" not in r.stdout)


def t_stdin_and_gz():
    data = open(os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl"), "rb").read()
    r = run("hunt", "-f", "jsonl", "-", stdin=data)
    check("stdin input", r.returncode == 0 and len(alerts(r.stdout)) == 9, r.stderr)
    gz = os.path.join(TMP, "x.jsonl.gz")
    with gzip.open(gz, "wb") as f:
        f.write(data)
    r = run("hunt", "-f", "jsonl", gz)
    check("gzip input", r.returncode == 0 and len(alerts(r.stdout)) == 9, r.stderr)
    trunc = os.path.join(TMP, "trunc.jsonl.gz")
    open(trunc, "wb").write(open(gz, "rb").read()[:-40])
    r = run("hunt", "-f", "jsonl", trunc)
    check("truncated gzip: reported, exit 0", r.returncode == 0 and b"gz" in r.stderr.lower() or
          b"unexpected end" in r.stderr, r.stderr)


def t_bad_inputs():
    junk = os.path.join(TMP, "random.bin")
    random.seed(7)
    open(junk, "wb").write(bytes(random.getrandbits(8) for _ in range(100000)))
    empty = os.path.join(TMP, "empty.log")
    open(empty, "wb").close()
    r = run("hunt", "-f", "jsonl", junk, empty)
    check("random binary: unknown format, exit 0", r.returncode == 0 and
          b"unknown-format" in r.stderr, r.stderr)
    check("summary names the unread input", b"not read" in r.stderr and b"random.bin" in r.stderr)
    # a 3 MB line and 100k-deep nesting among good lines
    good = open(os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl")).read()
    big = os.path.join(TMP, "big.jsonl")
    with open(big, "w") as f:
        f.write('{"EventID": 1, "Channel": "x", "Pad": "' + "A" * 3_000_000 + '"}\n')
        f.write("[" * 100_000 + "]" * 100_000 + "\n")
        f.write('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
        f.write(good)
    r = run("hunt", "-f", "jsonl", big, timeout=120)
    check("3 MB line + 100k nesting: no crash, good lines still alert",
          r.returncode == 0 and len(alerts(r.stdout)) == 9, (r.returncode, r.stderr[-400:]))
    s = summary(r.stderr, "records")
    check("deep nesting counted as skipped", s.get("skipped", 0) >= 2, s)
    lines = os.path.join(TMP, "junk-lines.jsonl")
    with open(lines, "w") as f:
        f.write("not json\n" + good + "{broken\n" + "]]\n")
    r = run("hunt", "-f", "jsonl", lines)
    where = [l for l in r.stderr.decode().splitlines() if "first at" in l]
    check("skip locations: the path once, then :line", where and
          where[0].rstrip().endswith("junk-lines.jsonl:1, :%d, :%d" % (len(good.splitlines()) + 2,
                                                                          len(good.splitlines()) + 3)),
          where)
    r = run("hunt", "-f", "jsonl", "--max-record-bytes", "65536", big)
    check("--max-record-bytes skips the big line", r.returncode == 0 and
          b"record-too-large" in r.stderr and len(alerts(r.stdout)) == 9, r.stderr[-400:])


def t_rules_check():
    r = run("rules", "check", "-f", "jsonl", os.path.join(REPO, "rules"))
    reps = [json.loads(l) for l in r.stdout.decode().splitlines()]
    check("rules check shipped rules: all ok", r.returncode == 0 and reps and
          all(x["status"] == "ok" for x in reps), reps)
    check("rules check jsonl keys", all({"path", "id", "status", "reason"} <= set(x) for x in reps))
    r = run("rules", "check", "-f", "jsonl", os.path.join(HERE, "..", "golden", "reject"))
    reps = [json.loads(l) for l in r.stdout.decode().splitlines()]
    check("rules check reject folder: all rejected with reasons",
          reps and all(x["status"] == "rejected" and x["reason"] for x in reps), reps)
    r = run("rules", "check", "--strict", os.path.join(HERE, "..", "golden", "reject"))
    check("rules check --strict exits 2 on rejections", r.returncode == 2)
    r = run("hunt", "--strict", "-r", os.path.join(HERE, "..", "golden", "reject"),
            os.path.join(REPO, "examples"))
    check("hunt --strict exits 2 on rejected rule", r.returncode == 2)
    r = run("hunt", "-r", os.path.join(HERE, "..", "golden", "reject"), os.path.join(REPO, "rules"),
            os.path.join(REPO, "examples"))
    check("hunt without --strict goes on past rejected rules", r.returncode == 0 and
          b"rule rejected" in r.stderr, r.stderr[-300:])


def t_shared_evtx():
    d = os.path.join(SHARED, "data", "evtx_attack_samples")
    if not os.path.isdir(d):
        return skip("shared EVTX samples", "../shared absent")
    r = run("hunt", "-f", "jsonl", d)
    s = summary(r.stderr, "records")
    check("shared EVTX samples decode (28 records, 0 skipped)", r.returncode == 0 and
          s.get("read") == 28 and s.get("skipped") == 0, r.stderr)
    d3 = os.path.join(d, "sysmon_mshta_sharpshooter_stageless_meterpreter.evtx")
    a = alerts(run("hunt", "-f", "jsonl", d3).stdout)
    check("D-3: no A3 browser hit expected (mshta connects, not the browser)",
          not any("Browser Network" in x["rule"]["title"] for x in a), a)
    # truncated and corrupted copies
    data = open(d3, "rb").read()
    cut = os.path.join(TMP, "cut.evtx")
    open(cut, "wb").write(data[: len(data) // 2])
    r = run("hunt", "-f", "jsonl", cut)
    check("truncated EVTX: exit 0, located message", r.returncode == 0, r.stderr)
    bad = bytearray(data)
    for i in range(4096 + 600, 4096 + 900):
        bad[i] ^= 0x5A
    p = os.path.join(TMP, "flipped.evtx")
    open(p, "wb").write(bytes(bad))
    r = run("hunt", "-f", "jsonl", p)
    check("corrupted EVTX: exit 0", r.returncode == 0, r.stderr)
    # D-3 with its chunk signature overwritten: every record still read, the same alerts.
    nosig = bytearray(data)
    nosig[4096:4104] = b"XXXXXXXX"
    p = os.path.join(TMP, "nosig.evtx")
    open(p, "wb").write(bytes(nosig))
    r = run("hunt", "-f", "jsonl", p)
    s = summary(r.stderr, "records")
    key = lambda xs: [(x["rule"]["id"], x["source"]["record"], x["event"]) for x in xs]
    check("EVTX chunk without its signature: 3 records read, the undamaged file's alerts",
          r.returncode == 0 and s.get("decoded") == 3 and s.get("skipped") == 0 and
          b"evtx-bad-chunk" in r.stderr and key(alerts(r.stdout)) == key(a) and a, r.stderr)


def t_evtx_slack():
    f = os.path.join(REPO, "tests", "fixtures", "evtx", "slack.evtx")
    r = run("hunt", "-f", "jsonl", "-r", os.path.join(REPO, "rules"), f)
    s = summary(r.stderr, "records")
    check("EVTX slack space not read by default", r.returncode == 0 and s.get("read") == 2, r.stderr)
    r = run("hunt", "--evtx-slack", "-f", "jsonl", f)
    s = summary(r.stderr, "records")
    check("--evtx-slack: the lost record read, the stale copy left out, one summary warning",
          r.returncode == 0 and s.get("read") == 3 and s.get("decoded") == 3 and
          b"1 record(s) read" in r.stderr and b"1 stale copies" in r.stderr, r.stderr)


def t_shared_otrf():
    d = os.path.join(SHARED, "data", "otrf_security_datasets", "LSASS_campaign_01_MKT01")
    f = os.path.join(d, "metasploit_logonpasswords_lsass_memory_dump.sysmon_trimmed.jsonl")
    if not os.path.exists(f):
        return skip("OTRF trimmed jsonl", "../shared absent")
    r = run("hunt", "-f", "jsonl", f)
    s = summary(r.stderr, "records")
    check("OTRF D-1 trimmed: 1403 records decoded", s.get("decoded") == 1403, r.stderr)
    check("OTRF D-1 trimmed: nothing skipped", s.get("skipped") == 0, r.stderr)
    a = alerts(r.stdout)
    # Edge's EID 3 connections are the click step of D-1 (seed analytic A3).
    check("OTRF D-1: A3 sees msedge.exe connections",
          any(x["rule"]["id"] == "090c1126-4ca5-4b27-9619-e707fff3b9e5" and
              x["event"].get("Image", "").endswith("msedge.exe") for x in a))


def chain_events(host_url, image_name):
    """A Sysmon 15 Mark of the Web then the file running (flat NXLog JSON)."""
    ch = "Microsoft-Windows-Sysmon/Operational"
    path = "C:\\Users\\carol\\Downloads\\" + image_name
    return "\n".join(json.dumps(e) for e in [
        {"EventID": 15, "Channel": ch, "Hostname": "WS-CAROL", "@timestamp": "2026-05-01T10:00:00.000Z",
         "Image": "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
         "TargetFilename": path + ":Zone.Identifier",
         "Contents": "[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=" + host_url + "\r\n"},
        {"EventID": 1, "Channel": ch, "Hostname": "WS-CAROL", "@timestamp": "2026-05-01T10:00:20.000Z",
         "Image": path, "CommandLine": '"' + path + '"', "ParentImage": "C:\\Windows\\explorer.exe",
         "ProcessGuid": "{1}", "ParentProcessGuid": "{2}", "User": "CORP\\carol"}]) + "\n"


def t_chain_severity():
    """Chain level follows the riskiest URL: vendor download (allow-listed) -> medium,
    a lexically risky URL -> critical, an ordinary unknown URL -> the rule's high."""
    cases = (("https://dl.google.com/tag/s/appguid/ChromeSetup.exe", "ChromeSetup.exe", "medium"),
             ("http://203.0.113.7:8080/invoice.pdf.exe", "invoice.pdf.exe", "critical"),
             ("https://www.example-tools.com/setup.exe", "setup.exe", "high"))
    for url, name, want in cases:
        f = os.path.join(TMP, "sev-" + name + ".jsonl")
        open(f, "w").write(chain_events(url, name))
        a = [x for x in alerts(run("hunt", "-f", "jsonl", f).stdout) if "correlation" in x]
        got = [x["rule"]["level"] for x in a]
        check("chain severity for %s is %s" % (url, want), got == [want], got)
        rule = os.path.join(TMP, "verdict.yml")
        open(rule, "w").write("title: t\nid: 6e0c6b47-0000-4000-8000-000000000001\n"
                              "logsource: {product: windows, category: create_stream_hash}\n"
                              "detection:\n  sel:\n    HostUrl.verdict: malicious\n"
                              "  condition: sel\nlevel: high\n")
        v = alerts(run("hunt", "-f", "jsonl", "-r", rule, f).stdout)
        check("HostUrl.verdict field usable in rules (%s)" % want,
              len(v) == (1 if want == "critical" else 0), [x["event"].get("HostUrl.score") for x in v])
        if a:
            check("chain carries url_intel for %s" % url,
                  a[0].get("url_intel", {}).get("url") == url, a[0].get("url_intel"))


def t_a2_allow_list():
    """Seed analytic A2 (HTTP to a domain not known as legitimate) honours --allow."""
    proxy = os.path.join(REPO, "tests", "fixtures", "net", "proxy")
    a2 = "HTTP GET or POST to a Domain Not Known"

    def hosts(*extra):
        out = alerts(run("hunt", "-f", "jsonl", "-r", os.path.join(REPO, "rules"), *extra, proxy).stdout)
        return sorted(x["event"]["cs-host"] for x in out if x["rule"]["title"].startswith(a2))
    before = hosts()
    allow = os.path.join(TMP, "allow.csv")
    open(allow, "w").write("1,example-files.xyz\n")  # Tranco-style rank,domain
    after = hosts("--allow", allow)
    check("A2 fires on unknown domains", any("example-files.xyz" in h for h in before), before)
    check("A2 skips allow-listed domains and subdomains (--allow, Tranco CSV)",
          after and not any("example-files.xyz" in h for h in after) and
          len(after) == len(before) - sum("example-files.xyz" in h for h in before), (before, after))


def t_summary_and_progress():
    r = run("hunt", "--summary", os.path.join(REPO, "examples"))
    err = r.stderr.decode()
    check("--summary: no alert lines, a quick look with the chain",
          r.returncode == 0 and r.stdout == b"" and "quick look" in err and "chains   1" in err and
          "Malicious Link Chain" in err, err[-600:])
    if not shutil.which("script"):
        return skip("progress line", "script(1) not installed")
    big = os.path.join(TMP, "progress.jsonl")
    line = open(os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl")).readline()
    with open(big, "w") as f:
        f.write(line * 70000)  # past the 65536-record progress tick
    cmd = "env LUREWATCH_PROGRESS_AFTER=0 %s hunt -f jsonl -o /dev/null %s" % (LW, big)
    out = subprocess.run(["script", "-qc", cmd, "/dev/null"], capture_output=True, timeout=300).stdout
    check("progress line on a terminal (bytes, events/s)", b"events/s" in out and b" MB" in out,
          out[-300:])
    out = subprocess.run(["script", "-qc", cmd + " --no-progress", "/dev/null"],
                         capture_output=True, timeout=300).stdout
    check("--no-progress silences it", b"events/s" not in out)
    r = run("hunt", "-f", "jsonl", "-o", "/dev/null", big)
    check("no progress line when stderr is not a terminal", b"events/s" not in r.stderr)


def t_min_level():
    ex = os.path.join(REPO, "examples")
    every = alerts(run("hunt", "-f", "jsonl", ex).stdout)
    r = run("hunt", "-f", "jsonl", "--min-level", "medium", ex)
    some = alerts(r.stdout)
    rank = {"informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
    kept = [a for a in every if rank.get(a["rule"]["level"], 9) >= 2]
    check("--min-level medium writes exactly the medium-and-above alerts",
          r.returncode == 0 and len(some) == len(kept) and 0 < len(some) < len(every) and
          all(rank[a["rule"]["level"]] >= 2 for a in some), (len(some), len(kept), len(every)))
    below = len(every) - len(kept)
    check("the summary counts the alerts not written",
          ("shown    %d alerts below --min-level medium" % below).encode() in r.stderr, r.stderr[-400:])
    check("raised alerts still counted in full",
          ("  alerts   %d (" % len(every)).encode() in r.stderr, r.stderr[-400:])
    many = os.path.join(TMP, "many-browser.jsonl")
    line = [l for l in open(os.path.join(ex, "ws-alice-sysmon.winlogbeat.jsonl"))
            if '"event_id":3,' in l and "msedge" in l.lower()]
    check("the examples hold a browser connection (for the hint test)", line)
    if line:
        open(many, "w").write(line[0] * 25)
        r = run("hunt", "-f", "table", many)
        check("table with many informational alerts: a hint names --min-level",
              b"informational alerts above" in r.stderr and b"--min-level low" in r.stderr,
              r.stderr[-300:])
        r = run("hunt", "-f", "jsonl", many)
        check("no such hint for JSON lines", b"informational alerts above" not in r.stderr)
    r = run("hunt", "--min-level", "severe", ex)
    check("--min-level rejects an unknown level (exit 2)",
          r.returncode == 2 and b"--min-level" in r.stderr and r.stdout == b"")


def t_archives():
    import tarfile
    import zipfile
    ex = os.path.join(REPO, "examples")
    names = sorted(n for n in os.listdir(ex) if not n.startswith("."))
    plain = alerts(run("hunt", "-f", "jsonl", *[os.path.join(ex, n) for n in names]).stdout)
    key = lambda a: (a["rule"]["id"], a.get("time"), a["source"]["record"])
    zpath = os.path.join(TMP, "bundle.zip")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("logs/", "")  # a folder entry: passed over
        for n in names:
            z.write(os.path.join(ex, n), "logs/" + n)
        z.writestr("logs/notes.bin", bytes(range(256)) * 4)  # unknown format
        inner = os.path.join(TMP, "inner.zip")
        with zipfile.ZipFile(inner, "w") as zi:
            zi.writestr("x.json", "{}")
        z.write(inner, "logs/inner.zip")  # nested: reported, not opened
    r = run("hunt", "-f", "jsonl", zpath)
    got = alerts(r.stdout)
    check("zip: the members give the same alerts as the files",
          r.returncode == 0 and sorted(map(key, got)) == sorted(map(key, plain)),
          (len(got), len(plain), r.stderr[-500:]))
    check("zip: sources name archive:member",
          got and all(a["source"]["path"].startswith(zpath + ":logs/") for a in got),
          got[:1] and got[0]["source"])
    err = r.stderr.decode()
    check("zip: summary counts members as inputs, the junk and nested members as not read",
          ("inputs   %d read, 2 not read (members of 1 archive count as inputs)" % len(names)) in err
          and "nested-archive" in err and "unknown-format" in err and "inner.zip" in err, err[-900:])
    tpath = os.path.join(TMP, "bundle.tar.gz")
    with tarfile.open(tpath, "w:gz") as t:
        for n in names:
            t.add(os.path.join(ex, n), n)
    r = run("hunt", "-f", "jsonl", tpath)
    check("tar.gz: same alerts as the files",
          r.returncode == 0 and sorted(map(key, alerts(r.stdout))) == sorted(map(key, plain)),
          r.stderr[-400:])
    cut = os.path.join(TMP, "cut.zip")
    data = open(zpath, "rb").read()
    open(cut, "wb").write(data[: len(data) // 2])
    r = run("hunt", "-f", "jsonl", cut)
    check("truncated zip: exit 0 and a located message", r.returncode == 0 and b"cut.zip" in r.stderr,
          r.stderr[-400:])
    evtx = os.path.join(SHARED, "data", "evtx_attack_samples",
                        "sysmon_mshta_sharpshooter_stageless_meterpreter.evtx")
    if not os.path.exists(evtx):
        return skip("EVTX inside a zip", "../shared absent")
    ez = os.path.join(TMP, "evtx.zip")
    with zipfile.ZipFile(ez, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(evtx, "d3.evtx")
    a1 = alerts(run("hunt", "-f", "jsonl", evtx).stdout)
    r = run("hunt", "-f", "jsonl", ez)
    a2 = alerts(r.stdout)
    check("EVTX inside a zip: the same alerts as the file",
          r.returncode == 0 and len(a1) > 0 and sorted(map(key, a1)) == sorted(map(key, a2)),
          (len(a1), len(a2), r.stderr[-300:]))


def t_two_pass():
    ex = os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl")
    rev = os.path.join(TMP, "newest-first.jsonl")
    lines = open(ex).read().splitlines(keepends=True)
    open(rev, "w").write("".join(reversed(lines)))  # a newest-first export

    def norm(out):
        # source.record differs (line numbers), HostIp too (learned from later network events)
        return sorted(json.dumps([a["rule"]["id"], a["time"],
                                  {k: v for k, v in a["event"].items() if k != "HostIp"}],
                                 sort_keys=True) for a in alerts(out))
    fwd = run("hunt", "-f", "jsonl", ex)
    back = run("hunt", "-f", "jsonl", rev)
    check("newest-first input: the summary says lookups came before what they needed",
          b"  order    " in back.stderr and b"--two-pass" in back.stderr and
          b"  order    " not in fwd.stderr, back.stderr[-500:])
    check("newest-first input loses enrichment in one pass", norm(back.stdout) != norm(fwd.stdout))
    two = run("hunt", "-f", "jsonl", "--two-pass", rev)
    check("--two-pass: newest-first gives the alerts of the time-ordered input",
          two.returncode == 0 and norm(two.stdout) == norm(fwd.stdout) and
          b"  order    " not in two.stderr and b"first pass  4 " in two.stderr, two.stderr[-500:])

    def exact(out):
        return sorted(json.dumps([a["rule"]["id"], a["time"], a["event"]], sort_keys=True)
                      for a in alerts(out))
    two_fwd = run("hunt", "-f", "jsonl", "--two-pass", ex)
    check("--two-pass: the same alerts, HostIp included, whatever the order",
          exact(two.stdout) == exact(two_fwd.stdout) and
          any("HostIp" in a["event"] for a in alerts(two.stdout)))
    r = run("hunt", "--two-pass", "-", stdin=open(ex, "rb").read())
    check("--two-pass refuses stdin (exit 2)", r.returncode == 2 and b"stdin" in r.stderr,
          r.stderr)


def t_install():
    if not shutil.which("cmake"):
        return skip("cmake --install", "cmake not installed")
    prefix = os.path.join(TMP, "prefix")
    r = subprocess.run(["cmake", "--install", os.path.dirname(LW), "--prefix", prefix],
                       capture_output=True, timeout=120)
    exe = os.path.join(prefix, "bin", "lurewatch")
    if r.returncode != 0 or not os.path.exists(exe):
        return check("cmake --install", False, r.stderr[-300:])
    env = {k: v for k, v in os.environ.items() if k != "LUREWATCH_RULES"}
    r = subprocess.run([exe, "hunt", "-f", "jsonl", os.path.join(REPO, "examples")],
                       capture_output=True, timeout=120, cwd="/", env=env)
    got = alerts(r.stdout)
    share = os.path.join(prefix, "share", "lurewatch", "rules")
    check("installed binary uses the installed rules",
          r.returncode == 0 and got and
          all(os.path.realpath(a["rule"]["path"]).startswith(share) for a in got),
          got[:1] and got[0]["rule"].get("path"))


def t_splunk_export():
    import re
    xml = open(os.path.join(REPO, "examples", "ws-alice-sysmon.xml"), newline="").read()
    events = re.findall(r"<Event .*?</Event>", xml, re.S)
    sp = os.path.join(TMP, "splunk-export.json")
    with open(sp, "w", newline="") as f:
        for e in events:
            f.write(json.dumps({"preview": False, "result": {
                "_raw": e, "host": "WS-ALICE", "sourcetype": "XmlWinEventLog",
                "source": "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"}}) + "\n")

    def key(out):
        return sorted(json.dumps([a["rule"]["id"], a["time"], a["event"]], sort_keys=True)
                      for a in alerts(out))
    a = run("hunt", "-f", "jsonl", os.path.join(REPO, "examples", "ws-alice-sysmon.xml"))
    b = run("hunt", "-f", "jsonl", sp)
    check("Splunk XmlWinEventLog export (_raw): the alerts of the XML file",
          b.returncode == 0 and len(events) > 5 and key(a.stdout) == key(b.stdout) and
          summary(b.stderr, "records").get("skipped") == 0, b.stderr[-300:])
    check("... and no 'not Windows' warning for it", b"json-not-windows" not in b.stderr)
    classic = os.path.join(TMP, "splunk-classic.json")
    with open(classic, "w") as f:
        for _ in range(3):
            f.write(json.dumps({"preview": False, "result": {
                "_raw": "11/28/2026 09:15:00 AM\nLogName=Security\nEventCode=4688\n",
                "sourcetype": "WinEventLog"}}) + "\n")
    r = run("hunt", "-f", "jsonl", classic)
    check("Splunk classic WinEventLog text: a warning says nothing can match and what to export",
          r.returncode == 0 and b"json-not-windows" in r.stderr and b"3 JSON records" in r.stderr
          and b"XmlWinEventLog" in r.stderr, r.stderr[-400:])


def t_time_window():
    ex = os.path.join(REPO, "examples", "ws-alice-sysmon.winlogbeat.jsonl")
    every = alerts(run("hunt", "-f", "jsonl", ex).stdout)
    r = run("hunt", "-f", "jsonl", "--from", "2026-03-02", "--to", "2026-03-02", ex)
    check("--from/--to: a whole-day window keeps every alert",
          r.returncode == 0 and len(alerts(r.stdout)) == len(every) and b"  window" not in r.stderr,
          r.stderr[-300:])
    r = run("hunt", "-f", "jsonl", "--from", "2026-03-02T09:16:12Z", ex)
    got = alerts(r.stdout)
    s = r.stderr.decode()
    check("--from: only alerts at or after it, the rest counted",
          r.returncode == 0 and got and all(a["time"] >= "2026-03-02T09:16:12" for a in got) and
          len(got) < len(every) and "events outside --from / --to" in s, s[-300:])
    opened = [a for a in got if "Opens a Downloaded" in a["rule"]["title"]]
    check("--from: events before the window still enrich (the script's Mark of the Web)",
          opened and opened[0]["event"].get("CommandLineTargetZoneId") == "3", opened[:1])
    r = run("hunt", "--from", "2026-03-03", "--to", "2026-03-02", ex)
    check("--to before --from: exit 2", r.returncode == 2 and b"--to" in r.stderr)
    r = run("hunt", "--to", "soon", ex)
    check("--to not a time: exit 2", r.returncode == 2 and b"not a time" in r.stderr)


def t_rules_archive():
    import zipfile
    d = os.path.join(REPO, "rules", "t1204.001")
    z = os.path.join(TMP, "t1204-rules.zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        for n in sorted(os.listdir(d)):
            f.write(os.path.join(d, n), "pack/" + n)
        f.writestr("pack/README.md", "not a rule")
        f.writestr("pack/broken.yml", "title: [unclosed\n")
    r = run("rules", "check", "-f", "jsonl", z)
    reps = [json.loads(l) for l in r.stdout.decode().splitlines()]
    ok = [x for x in reps if x["status"] == "ok"]
    bad = [x for x in reps if x["status"] != "ok"]
    plain = [json.loads(l) for l in run("rules", "check", "-f", "jsonl", d).stdout.decode().splitlines()]
    check("rules check on a zip: every .yml member, named zip:member, broken one located",
          len(ok) == len(plain) and len(bad) == 1 and bad[0]["path"] == z + ":pack/broken.yml" and
          all(x["path"].startswith(z + ":pack/") for x in reps), (len(ok), len(plain), bad))
    ex = os.path.join(REPO, "examples")

    def ids(out):
        return sorted((a["rule"]["id"], a["time"]) for a in alerts(out))
    a = run("hunt", "-f", "jsonl", "-r", d, ex)
    b = run("hunt", "-f", "jsonl", "-r", z, ex)
    check("hunt -r rules.zip: the alerts of the rule folder", ids(a.stdout) == ids(b.stdout) and
          len(ids(a.stdout)) > 0, (len(ids(a.stdout)), len(ids(b.stdout))))


def t_rule_cache():
    """Compiled prefilter databases are kept in LUREWATCH_CACHE_DIR and reused: the same
    alerts from a cold and a warm cache; --no-rule-cache and an empty variable write none."""
    cache = os.path.join(TMP, "cache", "lw")
    ex = os.path.join(REPO, "examples")
    env = {"LUREWATCH_CACHE_DIR": cache}
    cold = run("hunt", "-f", "jsonl", ex, env=env)
    files = sorted(os.listdir(cache)) if os.path.isdir(cache) else []
    check("rule cache: databases written on first use", cold.returncode == 0 and
          any(f.endswith(".hsdb") for f in files), (files, cold.stderr[-300:]))
    check("rule cache: folder is private (0700)",
          os.path.isdir(cache) and (os.stat(cache).st_mode & 0o777) == 0o700)
    warm = run("hunt", "-f", "jsonl", ex, env=env)
    plain = run("hunt", "-f", "jsonl", ex, env={"LUREWATCH_CACHE_DIR": ""})
    check("rule cache: warm cache gives the same alerts", warm.stdout == cold.stdout == plain.stdout
          and len(alerts(warm.stdout)) > 0)
    check("rule cache: nothing new written on a warm run", sorted(os.listdir(cache)) == files)
    off = os.path.join(TMP, "cache-off")
    r = run("hunt", "--no-rule-cache", "-f", "jsonl", ex, env={"LUREWATCH_CACHE_DIR": off})
    check("rule cache: --no-rule-cache writes nothing", r.returncode == 0 and not os.path.exists(off))


def main():
    os.chdir(REPO)
    lwtest.run_tests((t_help, t_usage_errors, t_examples_jsonl, t_csv_and_output_file, t_table,
                      t_stdin_and_gz, t_bad_inputs, t_rules_check, t_chain_severity,
                      t_a2_allow_list, t_summary_and_progress, t_min_level, t_archives, t_two_pass, t_install, t_splunk_export, t_time_window, t_rules_archive, t_shared_evtx, t_evtx_slack, t_shared_otrf, t_rule_cache), TMP)
    return 1 if results[1] else 0


if __name__ == "__main__":
    sys.exit(main())
