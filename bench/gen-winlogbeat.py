#!/usr/bin/env python3
"""Generate Winlogbeat/Elastic-shaped Sysmon JSON lines for lurewatch benchmarks.

Each line is one Winlogbeat document (the shape of examples/*.winlogbeat.jsonl, plus some of
the agent/event metadata a real Winlogbeat 8 adds), about 1.2 KB on average, with a
realistic mix of Sysmon event IDs 1, 3, 5, 7, 10, 11, 13 and 22 from a small fleet of hosts.
Processes are kept in a per-host table so GUIDs, PIDs, images and hashes stay consistent
across the events that reference them, as in real telemetry.

About 1% of the events are Sysmon 11 file creations that match MITRE's seed analytic A1
(file in a Downloads or Temp folder ending .exe/.zip/.js/.docm), so benchmark outputs are
never empty; near misses (Temp + .tmp, Downloads + .pdf, .exe elsewhere) are mixed in so
the rule does real work. The output is a pure function of --seed and --size-mb.

Usage: gen-winlogbeat.py [--quick] [--size-mb N] [--seed S] [-o FILE]
Prints the output path, event count and byte count on stdout (one 'key=value' per line).
"""

import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

SYSMON_GUID = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
CHANNEL = "Microsoft-Windows-Sysmon/Operational"
PROVIDER = "Microsoft-Windows-Sysmon"
DOMAIN = "CORP"

# (image path, original file name, description, product, company, typical command line args)
IMAGES = [
    (r"C:\Windows\System32\svchost.exe", "svchost.exe", "Host Process for Windows Services",
     "Microsoft® Windows® Operating System", "Microsoft Corporation",
     ["-k netsvcs -p -s Schedule", "-k LocalServiceNetworkRestricted -p", "-k DcomLaunch -p",
      "-k NetworkService -p -s Dnscache", "-k wsappx -p -s AppXSvc"]),
    (r"C:\Windows\explorer.exe", "EXPLORER.EXE", "Windows Explorer",
     "Microsoft® Windows® Operating System", "Microsoft Corporation", [""]),
    (r"C:\Program Files\Google\Chrome\Application\chrome.exe", "chrome.exe", "Google Chrome",
     "Google Chrome", "Google LLC",
     ["--type=renderer --lang=en-US --renderer-client-id=12 --mojo-platform-channel-handle=3412",
      "--type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US",
      "--type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAYAAAAAAAAAAAAAAAAAABgAAAAAAA",
      ""]),
    (r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe", "msedge.exe",
     "Microsoft Edge", "Microsoft Edge", "Microsoft Corporation",
     ["--type=renderer --instant-process --lang=en-US --js-flags=--ms-user-locale=",
      "--type=utility --utility-sub-type=storage.mojom.StorageService", ""]),
    (r"C:\Program Files\Mozilla Firefox\firefox.exe", "firefox.exe", "Firefox", "Firefox",
     "Mozilla Corporation", ["-contentproc --channel=1812 -childID 4 -isForBrowser", ""]),
    (r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE", "Outlook.exe",
     "Microsoft Outlook", "Microsoft Outlook", "Microsoft Corporation", ["", "/recycle"]),
    (r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", "WinWord.exe",
     "Microsoft Word", "Microsoft Office", "Microsoft Corporation", ["/n", "/dde"]),
    (r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "PowerShell.EXE",
     "Windows PowerShell", "Microsoft® Windows® Operating System", "Microsoft Corporation",
     ["-NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\Scripts\\inventory.ps1",
      "-NoLogo -NonInteractive", "Get-Service | Where-Object {$_.Status -eq 'Running'}"]),
    (r"C:\Windows\System32\cmd.exe", "Cmd.Exe", "Windows Command Processor",
     "Microsoft® Windows® Operating System", "Microsoft Corporation",
     ["/c ipconfig /all", "/c dir C:\\Users\\Public", "/c echo %PATH%"]),
    (r"C:\Windows\System32\conhost.exe", "CONHOST.EXE", "Console Window Host",
     "Microsoft® Windows® Operating System", "Microsoft Corporation", ["0xffffffff -ForceV1"]),
    (r"C:\Windows\System32\RuntimeBroker.exe", "RuntimeBroker.exe", "Runtime Broker",
     "Microsoft® Windows® Operating System", "Microsoft Corporation", ["-Embedding"]),
    (r"C:\Windows\System32\taskhostw.exe", "taskhostw.exe", "Host Process for Windows Tasks",
     "Microsoft® Windows® Operating System", "Microsoft Corporation", ["", "Install $(Arg0)"]),
    (r"C:\Program Files\Microsoft OneDrive\OneDrive.exe", "OneDrive.exe", "Microsoft OneDrive",
     "Microsoft OneDrive", "Microsoft Corporation", ["/background"]),
    (r"C:\Windows\System32\SearchIndexer.exe", "SearchIndexer.exe",
     "Microsoft Windows Search Indexer", "Windows® Search", "Microsoft Corporation", ["/Embedding"]),
    (r"C:\Program Files\Windows Defender\MsMpEng.exe", "MsMpEng.exe",
     "Antimalware Service Executable", "Microsoft® Windows® Operating System",
     "Microsoft Corporation", [""]),
    (r"C:\Windows\System32\lsass.exe", "lsass.exe", "Local Security Authority Process",
     "Microsoft® Windows® Operating System", "Microsoft Corporation", [""]),
    (r"C:\Program Files\Microsoft VS Code\Code.exe", "electron.exe", "Visual Studio Code",
     "Visual Studio Code", "Microsoft Corporation", ["--type=renderer --enable-sandbox"]),
    (r"C:\Users\{user}\AppData\Local\Microsoft\Teams\current\Teams.exe", "Teams.exe",
     "Microsoft Teams", "Microsoft Teams", "Microsoft Corporation", ["--process-start-reason=AutoStart"]),
    (r"C:\Windows\System32\wscript.exe", "wscript.exe", "Microsoft ® Windows Based Script Host",
     "Microsoft ® Windows Script Host", "Microsoft Corporation",
     ["\"C:\\Users\\{user}\\AppData\\Local\\Temp\\Temp1_Invoice.zip\\Invoice.js\""]),
    (r"C:\Windows\System32\rundll32.exe", "RUNDLL32.EXE", "Windows host process (Rundll32)",
     "Microsoft® Windows® Operating System", "Microsoft Corporation",
     ["C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6}"]),
]
BROWSERS = [2, 3, 4]  # indices into IMAGES
SYSTEM_IDX = [0, 9, 10, 11, 13, 14, 15]

DLLS = ["ntdll.dll", "kernel32.dll", "KernelBase.dll", "user32.dll", "advapi32.dll",
        "combase.dll", "ole32.dll", "oleaut32.dll", "crypt32.dll", "ws2_32.dll", "winhttp.dll",
        "wininet.dll", "bcrypt.dll", "rpcrt4.dll", "sechost.dll", "shell32.dll", "msvcrt.dll",
        "gdi32.dll", "dnsapi.dll", "iphlpapi.dll", "amsi.dll", "clr.dll", "mscoree.dll",
        "wldp.dll", "propsys.dll", "urlmon.dll", "dbghelp.dll", "vaultcli.dll", "samlib.dll"]

DOMAINS = ["www.google.com", "login.microsoftonline.com", "outlook.office365.com",
           "teams.microsoft.com", "update.googleapis.com", "clients2.google.com",
           "github.com", "api.github.com", "cdn.jsdelivr.net", "fonts.gstatic.com",
           "settings-win.data.microsoft.com", "v10.events.data.microsoft.com",
           "www.bing.com", "ocsp.digicert.com", "ctldl.windowsupdate.com",
           "slack.com", "zoom.us", "en.wikipedia.org", "stackoverflow.com",
           "invoices-portal-login.example", "docs-share-secure.example", "cdn-files-dl.example"]

REG_KEYS = [
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\OneDrive",
    r"HKU\{sid}\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\.zip\MRUListEx",
    r"HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\{sid}\\Device\HarddiskVolume3\Windows\explorer.exe",
    r"HKU\{sid}\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\ZoneMap\ProxyBypass",
    r"HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\SignaturesLastUpdated",
    r"HKU\{sid}\SOFTWARE\Microsoft\Office\16.0\Word\Security\Trusted Documents\TrustRecords\%USERPROFILE%/Downloads/Report.docm",
    r"HKLM\System\CurrentControlSet\Services\W32Time\Config\LastKnownGoodTime",
    r"HKU\{sid}\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count\HRZR_PGYFRFFVBA",
]

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
         "jos\u00e9", "bj\u00f6rn", "zo\u00eb"]

SAFE_FILES = [
    r"C:\Windows\Prefetch\{EXE}-{HEX8}.pf",
    r"C:\Users\{user}\AppData\Local\Google\Chrome\User Data\Default\Cache\Cache_Data\f_{HEX6}",
    r"C:\Users\{user}\AppData\Roaming\Microsoft\Windows\Recent\{name}.lnk",
    r"C:\ProgramData\Microsoft\Windows Defender\Scans\History\CacheManager\{HEX8}-0.bin",
    r"C:\Users\{user}\AppData\Local\Microsoft\Windows\INetCache\IE\{HEX8}\{name}[1].htm",
    r"C:\Windows\ServiceProfiles\NetworkService\AppData\Local\Microsoft\Windows\DeliveryOptimization\Logs\dosvc.{HEX8}.etl",
    r"C:\Users\{user}\Documents\{name}.docx",
    r"C:\Users\{user}\AppData\Local\Temp\{HEX8}.tmp",
    r"C:\Users\{user}\Downloads\{name}.pdf",
    r"C:\Users\{user}\Desktop\{name}.exe",
    r"C:\Windows\Temp\MpCmdRun.log",
    r"C:\Users\{user}\AppData\Local\Temp\chrome_BITS_{n}_{HEX6}\{name}.crx",
]
A1_FILES = [
    r"C:\Users\{user}\Downloads\{name}.exe",
    r"C:\Users\{user}\Downloads\{name}.zip",
    r"C:\Users\{user}\Downloads\{name}.docm",
    r"C:\Users\{user}\AppData\Local\Temp\Temp1_{name}.zip\{name}.js",
    r"C:\Users\{user}\AppData\Local\Temp\{name}.EXE",
    r"C:\Windows\Temp\{HEX8}\setup.exe",
    r"C:\Users\{user}\AppData\Local\Temp\7zS{HEX6}\{name}.js",
]
FILE_NAMES = ["Invoice_2291", "Q3_Report", "payment_advice", "Resume_JSmith", "setup_x64",
              "ChromeSetup", "zoom_installer", "scan_0042", "shipping_label", "Contract_Final",
              "meeting_notes", "budget_2026", "update", "DHL_AWB_7731", "photo_album"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        self.hosts = []
        for i in range(24):
            user = USERS[i % len(USERS)]
            name = "WS-%s-%02d.corp.example" % (user.upper().encode("ascii", "replace").decode()
                                                .replace("?", "X"), i)
            sid = "S-1-5-21-3623811015-3361044348-30300820-%d" % (1100 + i)
            self.hosts.append({
                "name": name, "user": user, "sid": sid, "agent": self.uuid(),
                "eph": self.uuid(), "ip": "10.20.%d.%d" % (i // 8 + 1, 10 + i), "rec": r.randint(1000, 900000),
                "guid_prefix": "%08X" % r.getrandbits(32), "procs": [], "sysmon_pid": r.randint(2000, 4000),
            })
        # one hash set per image, so the same binary always has the same hashes
        self.hashes = {}
        for img in IMAGES:
            self.hashes[img[0]] = self.hashset()
        self.dll_hashes = {d: self.hashset() for d in DLLS}
        self.t = datetime(2026, 3, 2, 8, 0, 0, tzinfo=timezone.utc)
        for h in self.hosts:
            for _ in range(40):
                self.spawn(h, self.r.choice(range(len(IMAGES))))

    def uuid(self):
        x = "%032x" % self.r.getrandbits(128)
        return "%s-%s-%s-%s-%s" % (x[:8], x[8:12], x[12:16], x[16:20], x[20:])

    def hexs(self, nbytes):
        return "%0*X" % (nbytes * 2, self.r.getrandbits(nbytes * 8))

    def hashset(self):
        return "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s" % (
            self.hexs(20), self.hexs(16), self.hexs(32), self.hexs(16))

    def pguid(self, h):
        return "{%s-%04X-%04X-%04X-%012X}" % (h["guid_prefix"], self.r.getrandbits(16),
                                              self.r.getrandbits(16), self.r.getrandbits(16),
                                              self.r.getrandbits(48))

    def spawn(self, h, idx):
        img = IMAGES[idx]
        r = self.r
        system = idx in SYSTEM_IDX
        user = "NT AUTHORITY\\SYSTEM" if system else "%s\\%s" % (DOMAIN, h["user"])
        path = img[0].replace("{user}", h["user"])
        args = r.choice(img[5]).replace("{user}", h["user"])
        cmd = ('"%s" %s' % (path, args)).rstrip() if " " in path else ("%s %s" % (path, args)).rstrip()
        p = {"idx": idx, "image": path, "cmd": cmd, "guid": self.pguid(h),
             "pid": str(r.randrange(200, 20000, 4)), "user": user,
             "integrity": "System" if system else r.choice(["Medium", "Medium", "High"])}
        procs = h["procs"]
        if len(procs) >= 60:
            procs[r.randrange(len(procs))] = p
        else:
            procs.append(p)
        return p

    def ts(self):
        self.t += timedelta(microseconds=self.r.randint(100, 40000))
        t = self.t
        return (t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000),
                t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000))

    def fill(self, s, h):
        r = self.r
        return (s.replace("{user}", h["user"]).replace("{sid}", h["sid"])
                .replace("{name}", r.choice(FILE_NAMES)).replace("{HEX8}", self.hexs(4))
                .replace("{HEX6}", self.hexs(3)).replace("{n}", str(r.randint(1, 99)))
                .replace("{EXE}", IMAGES[r.randrange(len(IMAGES))][1].upper()))

    # --- one builder per event id: each returns (event_data, action, category, type) ---

    def e1(self, h, p, utc):
        r = self.r
        parent = p
        child = self.spawn(h, r.randrange(len(IMAGES)))
        img = IMAGES[child["idx"]]
        return {
            "RuleName": "-", "UtcTime": utc, "ProcessGuid": child["guid"], "ProcessId": child["pid"],
            "Image": child["image"], "FileVersion": "10.0.%d.%d" % (r.choice([19041, 22621]), r.randint(1, 4000)),
            "Description": img[2], "Product": img[3], "Company": img[4], "OriginalFileName": img[1],
            "CommandLine": child["cmd"], "CurrentDirectory": "C:\\Windows\\system32\\",
            "User": child["user"], "LogonGuid": self.pguid(h), "LogonId": "0x%X" % r.getrandbits(24),
            "TerminalSessionId": str(r.choice([0, 1, 1, 2])), "IntegrityLevel": child["integrity"],
            "Hashes": self.hashes[img[0]], "ParentProcessGuid": parent["guid"],
            "ParentProcessId": parent["pid"], "ParentImage": parent["image"],
            "ParentCommandLine": parent["cmd"], "ParentUser": parent["user"],
        }, "Process Create (rule: ProcessCreate)", ["process"], ["start"]

    def e3(self, h, p, utc):
        r = self.r
        if r.random() < 0.6:
            p = self.proc_of(h, BROWSERS)
        dom = r.choice(DOMAINS)
        dip = "%d.%d.%d.%d" % (r.choice([13, 20, 52, 104, 142, 172, 185, 198, 203]), r.randint(0, 255),
                               r.randint(0, 255), r.randint(1, 254))
        port = r.choice(["443", "443", "443", "80", "53", "8080", "445"])
        return {
            "RuleName": "-", "UtcTime": utc, "ProcessGuid": p["guid"], "ProcessId": p["pid"],
            "Image": p["image"], "User": p["user"], "Protocol": "tcp" if port != "53" else "udp",
            "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": h["ip"],
            "SourceHostname": h["name"], "SourcePort": str(r.randint(49152, 65535)),
            "SourcePortName": "-", "DestinationIsIpv6": "false", "DestinationIp": dip,
            "DestinationHostname": dom if r.random() < 0.7 else "-", "DestinationPort": port,
            "DestinationPortName": {"443": "https", "80": "http", "53": "domain", "445": "microsoft-ds"}.get(port, "-"),
        }, "Network connection detected (rule: NetworkConnect)", ["network"], ["connection", "start", "protocol"]

    def e5(self, h, p, utc):
        return {"RuleName": "-", "UtcTime": utc, "ProcessGuid": p["guid"], "ProcessId": p["pid"],
                "Image": p["image"], "User": p["user"]}, "Process terminated (rule: ProcessTerminate)", ["process"], ["end"]

    def e7(self, h, p, utc):
        r = self.r
        dll = r.choice(DLLS)
        return {
            "RuleName": "-", "UtcTime": utc, "ProcessGuid": p["guid"], "ProcessId": p["pid"],
            "Image": p["image"], "ImageLoaded": "C:\\Windows\\System32\\" + dll,
            "FileVersion": "10.0.19041.%d (WinBuild.160101.0800)" % r.randint(1, 4000),
            "Description": dll.split(".")[0] + " library", "Product": "Microsoft® Windows® Operating System",
            "Company": "Microsoft Corporation", "OriginalFileName": dll, "Hashes": self.dll_hashes[dll],
            "Signed": "true", "Signature": "Microsoft Windows", "SignatureStatus": "Valid", "User": p["user"],
        }, "Image loaded (rule: ImageLoad)", ["process"], ["change"]

    def e10(self, h, p, utc):
        r = self.r
        t = r.choice(h["procs"])
        trace = "|".join("C:\\Windows\\SYSTEM32\\%s+%x" % (r.choice(DLLS[:6]), r.getrandbits(20))
                         for _ in range(r.randint(3, 6)))
        return {
            "RuleName": "-", "UtcTime": utc, "SourceProcessGUID": p["guid"], "SourceProcessId": p["pid"],
            "SourceThreadId": str(r.randint(100, 20000)), "SourceImage": p["image"],
            "TargetProcessGUID": t["guid"], "TargetProcessId": t["pid"], "TargetImage": t["image"],
            "GrantedAccess": r.choice(["0x1000", "0x1400", "0x1410", "0x101000", "0x1FFFFF", "0x2000"]),
            "CallTrace": trace, "SourceUser": p["user"], "TargetUser": t["user"],
        }, "Process accessed (rule: ProcessAccess)", ["process"], ["access"]

    def e11(self, h, p, utc):
        r = self.r
        x = r.random()
        if x < 0.09:
            tf = self.fill(r.choice(A1_FILES), h)
            if r.random() < 0.7:
                p = self.proc_of(h, BROWSERS + [1, 5])
        else:
            tf = self.fill(r.choice(SAFE_FILES), h)
        return {"RuleName": "-", "UtcTime": utc, "ProcessGuid": p["guid"], "ProcessId": p["pid"],
                "Image": p["image"], "TargetFilename": tf, "CreationUtcTime": utc,
                "User": p["user"]}, "File created (rule: FileCreate)", ["file"], ["creation"]

    def e13(self, h, p, utc):
        r = self.r
        return {"RuleName": "-", "EventType": "SetValue", "UtcTime": utc, "ProcessGuid": p["guid"],
                "ProcessId": p["pid"], "Image": p["image"], "TargetObject": self.fill(r.choice(REG_KEYS), h),
                "Details": r.choice(["DWORD (0x00000001)", "QWORD (0x01da6c3e-0x8f2b1a00)", "Binary Data",
                                     "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background"]),
                "User": p["user"]}, "Registry value set (rule: RegistryEvent)", ["configuration", "registry"], ["change"]

    def e22(self, h, p, utc):
        r = self.r
        if r.random() < 0.7:
            p = self.proc_of(h, BROWSERS + [5, 12])
        q = r.choice(DOMAINS)
        res = ";".join("::ffff:%d.%d.%d.%d" % (r.choice([13, 20, 52, 142]), r.randint(0, 255),
                                               r.randint(0, 255), r.randint(1, 254)) for _ in range(r.randint(1, 4)))
        return {"RuleName": "-", "UtcTime": utc, "ProcessGuid": p["guid"], "ProcessId": p["pid"],
                "QueryName": q, "QueryStatus": "0", "QueryResults": res + ";", "Image": p["image"],
                "User": p["user"]}, "Dns query (rule: DnsQuery)", ["network"], ["connection", "protocol", "info"]

    def proc_of(self, h, idxs):
        for p in h["procs"]:
            if p["idx"] in idxs and self.r.random() < 0.5:
                return p
        return self.spawn(h, self.r.choice(idxs))

    MIX = [(1, 6), (3, 22), (5, 4), (7, 24), (10, 8), (11, 14), (13, 14), (22, 8)]

    def doc(self):
        r = self.r
        h = r.choice(self.hosts)
        p = r.choice(h["procs"])
        eid = r.choices([m[0] for m in self.MIX], [m[1] for m in self.MIX])[0]
        iso, utc = self.ts()
        ed, action, cat, typ = getattr(self, "e%d" % eid)(h, p, utc)
        h["rec"] += 1
        return {
            "@timestamp": iso,
            "agent": {"id": h["agent"], "type": "winlogbeat"},
            "event": {"action": action, "category": cat, "code": str(eid), "kind": "event", "module": "sysmon", "provider": PROVIDER, "type": typ},
            "host": {"name": h["name"]},
            "winlog": {"api": "wineventlog", "channel": CHANNEL, "computer_name": h["name"],
                       "event_data": ed, "event_id": eid, "opcode": "Info",
                       "process": {"pid": h["sysmon_pid"], "thread": {"id": r.randint(1000, 9000)}},
                       "provider_guid": SYSMON_GUID, "provider_name": PROVIDER, "record_id": h["rec"],
                       "task": action, "version": 5},
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="~30 MB instead of ~300 MB")
    ap.add_argument("--size-mb", type=float, help="target size in MB (overrides --quick)")
    ap.add_argument("--seed", type=int, default=1204001)
    ap.add_argument("-o", "--output", help="output file (default bench/data/sysmon-<N>mb.jsonl)")
    a = ap.parse_args()
    size_mb = a.size_mb if a.size_mb is not None else (30 if a.quick else 300)
    target = int(size_mb * 1e6)
    out = a.output or os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                   "sysmon-%gmb.jsonl" % size_mb)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    g = Gen(a.seed)
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    n = 0
    written = 0
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        while written < target:
            chunk = []
            for _ in range(500):
                chunk.append(enc(g.doc()))
            data = ("\n".join(chunk) + "\n").encode("utf-8")
            f.write(data)
            written += len(data)
            n += len(chunk)
    os.replace(tmp, out)
    print("path=%s" % out)
    print("events=%d" % n)
    print("bytes=%d" % written)


if __name__ == "__main__":
    sys.exit(main())
