#!/usr/bin/env python3
"""Write lurewatch's bundled sample events (examples/) and decoder fixtures.

The events are written here, not copied: a small, realistic T1204.001 story on host
WS-ALICE (Edge downloads a zip, Explorer extracts a .js, wscript runs it, wscript calls
out) plus benign noise, and a Security 4688 variant on WS-BOB.  Each record is emitted in
the three shapes lurewatch reads (Winlogbeat JSON lines, evtx_dump JSON, Windows event
XML) so tests can check that every shape normalizes to the same event.

usage: scripts/make-examples.py [OUTDIR]   (default: examples/)
"""
import gzip
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr

SYSMON = ("Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational",
          "5770385F-C22A-43E0-BF4C-06F5698FFBD9")
SECURITY = ("Microsoft-Windows-Security-Auditing", "Security",
            "54849625-5478-4994-A5BA-3E3B0328C30D")

EDGE = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
EXPLORER = r"C:\Windows\explorer.exe"
WSCRIPT = r"C:\Windows\System32\wscript.exe"
G_EDGE = "{7A1B2C3D-0001-6580-1A00-000000001E00}"
G_EXPL = "{7A1B2C3D-0002-6580-0B00-000000001E00}"
G_WSC = "{7A1B2C3D-0003-6580-3C00-000000001E00}"
G_SVC = "{7A1B2C3D-0004-6580-0C00-000000001E00}"

ZIP = r"C:\Users\alice\Downloads\Invoice_2291.zip"
JS = r"C:\Users\alice\AppData\Local\Temp\Temp1_Invoice_2291.zip\Invoice_2291.js"


def ev(rid, t, eid, data, host="WS-ALICE.corp.example", src=SYSMON):
    return {"rid": rid, "time": t, "eid": eid, "host": host, "src": src, "data": data}


EVENTS = [
    ev(101, "2026-03-02T09:14:05.120Z", 1, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:14:05.118", "ProcessGuid": G_SVC,
        "ProcessId": "1312", "Image": r"C:\Windows\System32\svchost.exe",
        "CommandLine": r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule",
        "CurrentDirectory": "C:\\Windows\\system32\\", "User": "NT AUTHORITY\\SYSTEM",
        "IntegrityLevel": "System", "Hashes": "SHA256=0F8D2E1B4C6A",
        "ParentProcessGuid": "{7A1B2C3D-0000-6580-0100-000000001E00}", "ParentProcessId": "640",
        "ParentImage": r"C:\Windows\System32\services.exe",
        "ParentCommandLine": r"C:\Windows\system32\services.exe"}),
    ev(102, "2026-03-02T09:15:40.002Z", 22, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:15:39.998", "ProcessGuid": G_EDGE,
        "ProcessId": "4120", "QueryName": "invoices-portal-login.example",
        "QueryStatus": "0", "QueryResults": "::ffff:203.0.113.50;", "Image": EDGE,
        "User": "CORP\\alice"}),
    ev(103, "2026-03-02T09:15:40.350Z", 3, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:15:40.341", "ProcessGuid": G_EDGE,
        "ProcessId": "4120", "Image": EDGE, "User": "CORP\\alice", "Protocol": "tcp",
        "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": "10.20.1.15",
        "SourceHostname": "WS-ALICE.corp.example", "SourcePort": "50412",
        "SourcePortName": "-", "DestinationIsIpv6": "false", "DestinationIp": "203.0.113.50",
        "DestinationHostname": "invoices-portal-login.example", "DestinationPort": "443",
        "DestinationPortName": "https"}),
    ev(104, "2026-03-02T09:15:52.611Z", 11, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:15:52.604", "ProcessGuid": G_EDGE,
        "ProcessId": "4120", "Image": EDGE, "TargetFilename": ZIP,
        "CreationUtcTime": "2026-03-02 09:15:52.604", "User": "CORP\\alice"}),
    ev(105, "2026-03-02T09:15:52.707Z", 15, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:15:52.700", "ProcessGuid": G_EDGE,
        "ProcessId": "4120", "Image": EDGE, "TargetFilename": ZIP + ":Zone.Identifier",
        "CreationUtcTime": "2026-03-02 09:15:52.604",
        "Hash": "SHA256=6B86B273FF34FCE19D6B804EFF5A3F5747ADA4EAA22F1D49C01E52DDB7875B4B",
        "Contents": "[ZoneTransfer]  ZoneId=3  ReferrerUrl=https://invoices-portal-login.example/"
                    "view?id=2291  HostUrl=https://invoices-portal-login.example/dl/Invoice_2291.zip  ",
        "User": "CORP\\alice"}),
    ev(106, "2026-03-02T09:16:10.020Z", 11, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:16:10.013", "ProcessGuid": G_EXPL,
        "ProcessId": "3380", "Image": EXPLORER, "TargetFilename": JS,
        "CreationUtcTime": "2026-03-02 09:16:10.013", "User": "CORP\\alice"}),
    # Explorer propagates the Mark of the Web to files it extracts from a marked zip.
    ev(110, "2026-03-02T09:16:10.031Z", 15, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:16:10.024", "ProcessGuid": G_EXPL,
        "ProcessId": "3380", "Image": EXPLORER, "TargetFilename": JS + ":Zone.Identifier",
        "CreationUtcTime": "2026-03-02 09:16:10.013",
        "Hash": "SHA256=D2A84F4B8B650937EC8F73CD8BE2C74ADD5A911BA64DF27458ED8229DA804A26",
        "Contents": "[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=" + ZIP + "\r\n",
        "User": "CORP\\alice"}),
    ev(107, "2026-03-02T09:16:12.480Z", 1, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:16:12.471", "ProcessGuid": G_WSC,
        "ProcessId": "6044", "Image": WSCRIPT, "FileVersion": "5.812.10240.16384",
        "Description": "Microsoft ® Windows Based Script Host", "Product": "Microsoft ® Windows Script Host",
        "Company": "Microsoft Corporation", "OriginalFileName": "wscript.exe",
        "CommandLine": '"C:\\Windows\\System32\\WScript.exe" "' + JS + '"',
        "CurrentDirectory": r"C:\Users\alice\AppData\Local\Temp\Temp1_Invoice_2291.zip" + "\\",
        "User": "CORP\\alice", "LogonGuid": "{7A1B2C3D-AAAA-6580-0000-0020E4F10300}",
        "LogonId": "0x3f1e4", "TerminalSessionId": "1", "IntegrityLevel": "Medium",
        "Hashes": "SHA256=4D2F1C0A9E7B",
        "ParentProcessGuid": G_EXPL, "ParentProcessId": "3380", "ParentImage": EXPLORER,
        "ParentCommandLine": r"C:\Windows\Explorer.EXE", "ParentUser": "CORP\\alice"}),
    ev(108, "2026-03-02T09:16:14.902Z", 3, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:16:14.890", "ProcessGuid": G_WSC,
        "ProcessId": "6044", "Image": WSCRIPT, "User": "CORP\\alice", "Protocol": "tcp",
        "Initiated": "true", "SourceIsIpv6": "false", "SourceIp": "10.20.1.15",
        "SourceHostname": "WS-ALICE.corp.example", "SourcePort": "50431",
        "SourcePortName": "-", "DestinationIsIpv6": "false", "DestinationIp": "198.51.100.23",
        "DestinationHostname": "-", "DestinationPort": "8080", "DestinationPortName": "-"}),
    ev(109, "2026-03-02T09:20:00.000Z", 11, {
        "RuleName": "-", "UtcTime": "2026-03-02 09:19:59.990", "ProcessGuid": G_SVC,
        "ProcessId": "1312", "Image": r"C:\Windows\System32\svchost.exe",
        "TargetFilename": r"C:\Windows\Temp\MpCmdRun.log",
        "CreationUtcTime": "2026-03-02 09:19:59.990", "User": "NT AUTHORITY\\SYSTEM"}),
    # Security 4688 on another host: the same kind of execution without Sysmon.
    ev(5501, "2026-03-02T10:02:31.457Z", 4688, {
        "SubjectUserSid": "S-1-5-21-1-2-3-1104", "SubjectUserName": "bob",
        "SubjectDomainName": "CORP", "SubjectLogonId": "0x5a1c2", "NewProcessId": "0x1a2c",
        "NewProcessName": r"C:\Windows\System32\mshta.exe", "TokenElevationType": "%%1938",
        "ProcessId": "0x1f0",
        "CommandLine": r'"C:\Windows\System32\mshta.exe" "C:\Users\bob\Downloads\update.hta"',
        "TargetUserSid": "S-1-0-0", "TargetUserName": "-", "TargetDomainName": "-",
        "TargetLogonId": "0x0", "ParentProcessName": EDGE, "MandatoryLabel": "S-1-16-8192"},
       host="WS-BOB.corp.example", src=SECURITY),
]


def winlogbeat(e):
    prov, chan, _ = e["src"]
    return {"@timestamp": e["time"], "event": {"code": str(e["eid"]), "kind": "event"},
            "host": {"name": e["host"]},
            "winlog": {"channel": chan, "computer_name": e["host"], "event_id": e["eid"],
                       "provider_name": prov, "record_id": e["rid"],
                       "event_data": e["data"]}}


def evtx_dump(e):
    prov, chan, guid = e["src"]
    return {"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                      "System": {"Provider": {"#attributes": {"Name": prov, "Guid": guid}},
                                 "EventID": e["eid"], "Version": 5, "Level": 4,
                                 "TimeCreated": {"#attributes": {"SystemTime": e["time"]}},
                                 "EventRecordID": e["rid"], "Channel": chan,
                                 "Computer": e["host"]},
                      "EventData": e["data"]}}


def flat(e):
    prov, chan, _ = e["src"]
    d = {"@timestamp": e["time"], "EventID": e["eid"], "Channel": chan, "Hostname": e["host"],
         "SourceName": prov}
    d.update(e["data"])
    return d


def xml(e):
    prov, chan, guid = e["src"]
    data = "".join("<Data Name=%s>%s</Data>" % (quoteattr(k), escape(v)) for k, v in e["data"].items())
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name=%s Guid='{%s}'/><EventID>%d</EventID><Version>5</Version>"
            "<Level>4</Level><TimeCreated SystemTime=%s/><EventRecordID>%d</EventRecordID>"
            "<Channel>%s</Channel><Computer>%s</Computer></System><EventData>%s</EventData></Event>"
            % (quoteattr(prov), guid, e["eid"], quoteattr(e["time"]), e["rid"], escape(chan),
               escape(e["host"]), data))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "examples")
    os.makedirs(out, exist_ok=True)
    sysmon = [e for e in EVENTS if e["src"] is SYSMON]
    sec = [e for e in EVENTS if e["src"] is SECURITY]
    with open(os.path.join(out, "ws-alice-sysmon.winlogbeat.jsonl"), "w") as f:
        for e in sysmon:
            f.write(json.dumps(winlogbeat(e), separators=(",", ":")) + "\n")
    with open(os.path.join(out, "ws-alice-sysmon.xml"), "w") as f:
        f.write("<Events>\n" + "\n".join(xml(e) for e in sysmon) + "\n</Events>\n")
    with gzip.open(os.path.join(out, "ws-bob-security.evtx_dump.json.gz"), "wt") as f:
        for e in sec:
            f.write(json.dumps(evtx_dump(e), indent=2) + "\n")
    # Fixtures: every record in every shape, one file per shape.
    fx = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "shapes")
    os.makedirs(fx, exist_ok=True)
    with open(os.path.join(fx, "all.winlogbeat.jsonl"), "w") as f:
        for e in EVENTS:
            f.write(json.dumps(winlogbeat(e)) + "\n")
    with open(os.path.join(fx, "all.evtx_dump.json"), "w") as f:
        for e in EVENTS:
            f.write(json.dumps(evtx_dump(e), indent=2) + "\n")
    with open(os.path.join(fx, "all.flat.json"), "w") as f:
        json.dump([flat(e) for e in EVENTS], f, indent=1)
    with open(os.path.join(fx, "all.xml"), "w") as f:
        f.write("\n".join(xml(e) for e in EVENTS) + "\n")


if __name__ == "__main__":
    main()
