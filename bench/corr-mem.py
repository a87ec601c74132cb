#!/usr/bin/env python3
"""Correlation memory benchmark data: N processes across H hosts (flat Sysmon JSON lines).

Every process is a Sysmon 1 event with its own ProcessGuid; 1 in 100 processes runs a file
a browser wrote into Downloads a little earlier (Sysmon 11), and 1 in 20 opens a network
connection a few seconds after it started (Sysmon 3, same ProcessGuid).  Events are in
event-time order over --hours hours, except the Downloads writes, which are written about
30 s late (as a lagging source would deliver them: the reorder buffer puts them back).

usage: corr-mem.py [--procs N] [--hosts H] [--hours X] [--seed S] -o FILE
"""
import argparse
import datetime
import json
import random

ap = argparse.ArgumentParser()
ap.add_argument("--procs", type=int, default=1_000_000)
ap.add_argument("--hosts", type=int, default=1000)
ap.add_argument("--hours", type=float, default=1.0)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("-o", required=True)
a = ap.parse_args()
rnd = random.Random(a.seed)
T0 = datetime.datetime(2024, 1, 1, 8, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
span = a.hours * 3600.0
IMAGES = ["C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\System32\\cmd.exe",
          "C:\\Windows\\System32\\conhost.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
          "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
          "C:\\Windows\\explorer.exe", "C:\\Windows\\System32\\rundll32.exe"]


def ts(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def line(t, eid, host, **f):
    d = {"Channel": "Microsoft-Windows-Sysmon/Operational", "SourceName": "Microsoft-Windows-Sysmon",
         "Hostname": host, "@timestamp": ts(t), "EventID": eid}
    d.update(f)
    return (t, json.dumps(d, separators=(",", ":")))


# one process per step; the few extra events go into a small look-ahead queue so the
# output stays time-ordered without holding everything
import heapq
pending = []
out = open(a.o, "w")
step = span / a.procs
for i in range(a.procs):
    t = T0 + i * step
    while pending and pending[0][0] <= t:
        out.write(heapq.heappop(pending)[1] + "\n")
    h = rnd.randrange(a.hosts)
    host = "WS-%04d.corp.example" % h
    user = "CORP\\user%d" % (h * 3 + rnd.randrange(3))
    guid = "{%08x-%04x-%04x-0000-%012x}" % (h, i & 0xffff, (i >> 16) & 0xffff, i)
    if i % 100 == 0:
        img = "C:\\Users\\user%d\\Downloads\\setup_%d.exe" % (h, i)
        heapq.heappush(pending, line(t - 30, 11, host, Image=IMAGES[3], TargetFilename=img,
                                     ProcessGuid="{chrome}"))
    else:
        img = IMAGES[rnd.randrange(len(IMAGES))]
    out.write(line(t, 1, host, Image=img, User=user, ProcessGuid=guid, ProcessId=str(i % 65536),
                   CommandLine='"%s" --id %d' % (img, i), ParentImage=IMAGES[5],
                   IntegrityLevel="Medium")[1] + "\n")
    if i % 20 == 0:
        heapq.heappush(pending, line(t + 3, 3, host, Image=img, ProcessGuid=guid, Initiated="true",
                                     DestinationIp="203.0.113.%d" % (i % 250), DestinationPort="443",
                                     BytesOut=str(rnd.randrange(100, 100000))))
while pending:
    out.write(heapq.heappop(pending)[1] + "\n")
out.close()
