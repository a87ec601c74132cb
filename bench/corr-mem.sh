#!/usr/bin/env bash
# Correlation memory benchmark: a million processes across a thousand hosts (about 1.06
# million events, ~490 MB of JSON lines) through five correlation rules that keep state
# per process, per host and file, per user and per host (bench/corr-mem.yml).  Runs the
# hunt with the default bounds and with tight ones, prints peak RSS and the correlation
# counters, and fails if a bound was exceeded.
#
# usage: bench/corr-mem.sh LUREWATCH [--procs N] [--hosts H]
#   data: bench/data/tmp/corr-mem-<procs>x<hosts>.jsonl (generated once by corr-mem.py)
set -euo pipefail
LW=${1:?usage: corr-mem.sh LUREWATCH [--procs N] [--hosts H]}
shift
PROCS=1000000
HOSTS=1000
while [ $# -gt 0 ]; do
    case "$1" in
    --procs) PROCS=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/data/tmp/corr-mem-${PROCS}x${HOSTS}.jsonl
mkdir -p "$HERE/data/tmp"
if [ ! -s "$DATA" ]; then
    echo "generating $DATA ..." >&2
    python3 "$HERE/corr-mem.py" --procs "$PROCS" --hosts "$HOSTS" -o "$DATA.part"
    mv "$DATA.part" "$DATA"
fi
echo "data: $(wc -l <"$DATA") events, $(( $(stat -c %s "$DATA") / 1048576 )) MiB, $PROCS processes on $HOSTS hosts"

fail=0
run() { # name, then hunt options
    local name=$1
    shift
    local err
    err=$(mktemp)
    /usr/bin/time -f "RSS_KB %M WALL %e USER %U" "$LW" hunt -q -r "$HERE/corr-mem.yml" -f jsonl \
        -o /dev/null "$@" "$DATA" 2>"$err" || { cat "$err"; exit 1; }
    local rss wall user
    rss=$(awk '/^RSS_KB/ {print $2}' "$err")
    wall=$(awk '/^RSS_KB/ {print $4}' "$err")
    user=$(awk '/^RSS_KB/ {print $6}' "$err")
    echo
    echo "== $name: peak RSS $((rss / 1024)) MiB, ${wall}s wall, ${user}s user"
    grep -E '^  (alerts|correlation)|^    ' "$err" | grep -v "^    [a-z-]* *[0-9]* *first at" || true
    # bounds: groups, reorder buffer, event copies
    python3 - "$err" "$@" <<'PY' || fail=1
import re, sys
txt = open(sys.argv[1]).read()
args = sys.argv[2:]
def opt(name, default):
    return int(args[args.index(name) + 1]) if name in args else default
max_groups = opt("--corr-max-groups", 100000)
max_buf = opt("--corr-max-buffered", 50000)
max_copies = opt("--corr-max-copies", 100000)
m = re.search(r"peak: (\d+) groups, (\d+) buffered, (\d+) event copies", txt)
g, b, c = map(int, m.groups())
ok = g <= max_groups and b <= max_buf + 1 and c <= max_buf + 1 + max_copies + 64
print("   bounds: groups %d <= %d, buffered %d <= %d, copies %d <= %d: %s" % (
    g, max_groups, b, max_buf + 1, c, max_buf + 1 + max_copies + 64, "ok" if ok else "EXCEEDED"))
sys.exit(0 if ok else 1)
PY
    rm -f "$err"
}

run "default bounds"
run "tight bounds" --corr-max-groups 20000 --corr-max-buffered 10000 --corr-max-copies 20000 \
    --corr-max-group-events 256 --corr-max-alert-events 8
exit $fail
