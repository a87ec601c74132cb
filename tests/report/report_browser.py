#!/usr/bin/env python3
"""Browser test of the HTML report (ctest report-browser).

Builds reports with `lurewatch hunt -f html` from examples/, from a hostile-field fixture
and (when present) from ../shared/data, loads each in headless Chromium (--dump-dom after
the page's scripts ran), and checks the DOM: the page rendered, it shows the expected
chains and every alert, the hostile payloads appear as text and none of them executed
(each would set data-pwned on <html> or the title "PWNED"; no element from a payload
exists).  Screenshots go to OUTDIR (report-examples.png ...).  Standard library only.

usage: report_browser.py LUREWATCH OUTDIR SOURCE_DIR [--update-docs]
exit: 0 pass, 1 fail, 77 chromium not installed
"""
import html.parser, json, os, shutil, subprocess, sys, tempfile

LW, OUT, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
UPDATE_DOCS = "--update-docs" in sys.argv
os.makedirs(OUT, exist_ok=True)
CHROME = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome")
               if shutil.which(c)), None)
if not CHROME:
    print("skip: chromium not installed (apt-get install chromium)")
    sys.exit(77)
failures = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def chrome(args, url):
    prof = tempfile.mkdtemp(prefix="lw-chrome-")
    try:
        cmd = [CHROME, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--user-data-dir=" + prof, "--hide-scrollbars",
               "--virtual-time-budget=3000"] + args + [url]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=180)
        return r.stdout.decode("utf-8", "replace")
    finally:
        shutil.rmtree(prof, ignore_errors=True)

class Dom(html.parser.HTMLParser):
    """Elements (tag, attrs) and the text of everything outside <script>/<style>."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elems, self.text, self.title, self._skip, self._in_title = [], [], "", 0, False
    def handle_starttag(self, tag, attrs):
        self.elems.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1
        self._in_title = tag == "title" and not self.title
    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        self._in_title = False
    def handle_data(self, d):
        if self._in_title:
            self.title += d
        if not self._skip:
            self.text.append(d)

def hunt_html(name, inputs, env=None):
    path = os.path.join(OUT, "report-" + name + ".html")
    jl = os.path.join(OUT, "report-" + name + ".jsonl")
    e = dict(os.environ, **(env or {}))
    subprocess.run([LW, "hunt", "-q", "-f", "html", "-o", path] + inputs, check=True, env=e,
                   stderr=subprocess.DEVNULL)
    subprocess.run([LW, "hunt", "-q", "-f", "jsonl", "-o", jl] + inputs, check=True,
                   stderr=subprocess.DEVNULL)
    alerts = [json.loads(l) for l in open(jl, encoding="utf-8") if l.strip()]
    dom = chrome(["--dump-dom"], "file://" + os.path.abspath(path))
    p = Dom()
    p.feed(dom)
    return path, alerts, p

def common(name, alerts, p, capped=False):
    html_el = next((a for t, a in p.elems if t == "html"), {})
    body = next((a for t, a in p.elems if t == "body"), {})
    check(body.get("data-rendered") == "yes", name + ": page script rendered the report")
    check("data-pwned" not in html_el and "PWNED" not in p.title, name + ": no payload executed")
    scripts = [a for t, a in p.elems if t == "script"]
    check(len(scripts) == 2, name + ": only the report's own two script elements exist")
    check(not any(k.startswith("on") for t, a in p.elems for k in a),
          name + ": no element has an on* handler attribute")
    check(not any(t in ("img", "iframe", "object", "embed") for t, a in p.elems),
          name + ": no img/iframe/object element")
    check(not any(t == "a" and a.get("href", "#").lower().lstrip().startswith("javascript")
                  for t, a in p.elems), name + ": no javascript: link")
    text = "".join(p.text)
    rows = [a for t, a in p.elems if t == "tr" and "arow" in a.get("class", "")]
    if not capped:
        check(len(rows) == len(alerts), "%s: table shows all %d alerts (got %d)" % (name, len(alerts), len(rows)))
    missing = [a["rule"]["title"] for a in alerts if a["rule"]["title"] not in text]
    check(not missing, name + ": every rule title is in the page" + (" (missing %r)" % missing[:3] if missing else ""))
    return text

# 1. the bundled examples
path, alerts, p = hunt_html("examples", [os.path.join(SRC, "examples")])
text = common("examples", alerts, p)
chains = [a for t, a in p.elems if t == "div" and "chain" in a.get("class", "").split()]
check(len(chains) >= 1, "examples: at least one chain diagram (%d)" % len(chains))
for want in ("Invoice_2291.zip", "Invoice_2291.js", "wscript.exe", "invoices-portal-login.example",
             "198.51.100.23:8080", "WS-ALICE.corp.example", "CORP\\alice", "score "):
    check(want in text, "examples: chain shows %r" % want)
for a in alerts:
    if a.get("correlation"):
        check(a["rule"]["title"] in text and "correlation " + a["correlation"]["type"] in text,
              "examples: correlation chain %r drawn" % a["rule"]["title"])
png = os.path.join(OUT, "report-examples.png")
chrome(["--window-size=1400,2200", "--screenshot=" + png], "file://" + os.path.abspath(path))
check(os.path.exists(png) and os.path.getsize(png) > 10000, "examples: screenshot written to " + png)
if UPDATE_DOCS and os.path.exists(png):
    shutil.copy(png, os.path.join(SRC, "docs", "report.png"))

# 2. hostile fields
path, alerts, p = hunt_html("hostile", [os.path.join(SRC, "tests", "report", "hostile.winlogbeat.jsonl")])
text = common("hostile", alerts, p)
check(len(alerts) >= 5, "hostile: fixture raised alerts (%d)" % len(alerts))
for payload in ("<script>alert(1);", "</script><script>", "<img src=x onerror=",
                "javascript:document.documentElement", "WS-EVIL<img"):
    check(payload in text, "hostile: payload %r shown as text" % payload)
raw = open(path, encoding="utf-8").read()
data = raw[raw.index('id="lw-data">'):raw.index("</script>", raw.index('id="lw-data">'))]
check("<" not in data[len('id="lw-data">'):] and "\u2028" not in data,
      "hostile: data block holds no raw '<' or U+2028")
chrome(["--window-size=1400,1600", "--screenshot=" + os.path.join(OUT, "report-hostile.png")],
       "file://" + os.path.abspath(path))

# 3. the cap: a bounded report says so
path, alerts, p = hunt_html("capped", [os.path.join(SRC, "examples")], {"LUREWATCH_REPORT_MAX_ALERTS": "3"})
text = common("capped", alerts, p, capped=True)
rows = [a for t, a in p.elems if t == "tr" and "arow" in a.get("class", "")]
check(len(rows) == 3 and ("embeds 3 of %d alerts" % len(alerts)) in text, "capped: 3 embedded and the page says so")

# 3b. read order: a newest-first export says its enrichment is incomplete; --two-pass does not
rev = os.path.join(OUT, "newest-first.winlogbeat.jsonl")
lines = open(os.path.join(SRC, "examples", "ws-alice-sysmon.winlogbeat.jsonl"), encoding="utf-8").readlines()
open(rev, "w", encoding="utf-8").write("".join(reversed(lines)))
path, alerts, p = hunt_html("newest-first", [rev])
text = common("newest-first", alerts, p)
check("Read order:" in text and "--two-pass" in text, "newest-first: the overview warns about read order")
path, alerts, p = hunt_html("two-pass", ["--two-pass", rev])
text = common("two-pass", alerts, p)
check("Read order:" not in text and "Two passes: the first recorded 4 " in text,
      "two-pass: no read-order warning, the first pass is named")

path, alerts, p = hunt_html("window", ["--from", "2026-03-02T09:16:12Z", rev])
text = common("window", alerts, p)
check("Time window: " in text and "not matched" in text, "window: the overview names the events outside")

# network records: a web request's row shows host + path, a Zeek files row what it carried
path, alerts, p = hunt_html("network", [os.path.join(SRC, "tests", "fixtures", "net")])
text = common("network", alerts, p)
for want in ("files.example-cdn.top/download/invoice_0815.exe", "application/x-dosexec 203.0.113.50"):
    check(want in text, "network: report shows %r" % want)

# 4. real data, when present
shared = os.path.join(SRC, "..", "shared", "data")
if os.path.isdir(shared):
    path, alerts, p = hunt_html("shared", [shared])
    text = common("shared", alerts, p)
    for want in ("winx64_payload.exe", "mshta.exe", "10.0.5.13"):
        check(want in text, "shared: report shows %r" % want)
    chrome(["--window-size=1400,2600", "--screenshot=" + os.path.join(OUT, "report-shared.png")],
           "file://" + os.path.abspath(path))
else:
    print("skip shared data (not present)")

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
