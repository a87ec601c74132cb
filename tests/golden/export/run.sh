#!/usr/bin/env bash
# Golden tests for `lurewatch export`: every format against tests/golden/export/expected/,
# then syntax checks: named-checkzone on the RPZ zone (bind9-utils; skipped when absent),
# suricata -T on the rules when suricata is installed, else a strict self-check of the
# rule grammar we emit.  Usage: run.sh path/to/lurewatch   (UPDATE=1 rewrites expected/)
set -euo pipefail
LW=${1:?usage: run.sh LUREWATCH}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fail=0
for fmt in plain rpz hosts suricata suricata-dataset squid; do
  "$LW" export -q --format "$fmt" --serial 2026030201 --allow "$HERE/allow.txt" \
      -o "$OUT/$fmt.txt" "$HERE/alerts.jsonl"
  if [ "${UPDATE:-}" = 1 ]; then cp "$OUT/$fmt.txt" "$HERE/expected/$fmt.txt"; continue; fi
  if ! diff -u "$HERE/expected/$fmt.txt" "$OUT/$fmt.txt"; then
    echo "FAIL export $fmt differs from expected" >&2; fail=1
  else
    echo "ok   export $fmt"
  fi
done
# stdin, --exact-hosts, --min-level, stats line
"$LW" export --format plain --exact-hosts --min-level critical - < "$HERE/alerts.jsonl" \
    > "$OUT/exact.txt" 2> "$OUT/exact.err"
grep -qx 'xn--pypal-4ve.com' "$OUT/exact.txt" && ! grep -q 'badhost' "$OUT/exact.txt" \
  && grep -q '2 line(s) are not alert objects' "$OUT/exact.err" \
  && echo "ok   export stdin --exact-hosts --min-level" \
  || { echo "FAIL export stdin/exact/min-level" >&2; cat "$OUT/exact.err" >&2; fail=1; }
# never a bare platform suffix, never an allow-listed domain, never a private address
if grep -Eq '(^|[ ]|^\*\.|dstdomain \.)(pages\.dev|([a-z.]*\.)?google\.com|([a-z.]*\.)?microsoftonline\.com|10\.0\.0\.5|127\.0\.0\.1)( |$)' \
     "$OUT"/{plain,rpz,hosts,squid}.txt; then
  echo "FAIL export wrote a platform suffix, allow-listed name or private address" >&2; fail=1
fi
# RPZ zone syntax
if command -v named-checkzone >/dev/null; then
  if named-checkzone -k fail -i local rpz.lurewatch "$OUT/rpz.txt" >"$OUT/ncz.log" 2>&1; then
    echo "ok   named-checkzone rpz"
  else
    echo "FAIL named-checkzone:" >&2; cat "$OUT/ncz.log" >&2; fail=1
  fi
else
  echo "skip named-checkzone (install bind9-utils)"
fi
# Suricata rules
if command -v suricata >/dev/null; then
  cfg="$OUT/suricata.yaml"
  printf '%%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "[10.0.0.0/8]"\n    EXTERNAL_NET: "!$HOME_NET"\ndefault-rule-path: %s\nrule-files: [suricata.txt]\n' "$OUT" > "$cfg"
  suricata -T -c "$cfg" -l "$OUT" && echo "ok   suricata -T" || { echo "FAIL suricata -T" >&2; fail=1; }
else
  python3 - "$OUT/suricata.txt" <<'PY' || fail=1
import re, sys
# The exact grammar lurewatch emits; anything else is a bug.
msg = r'msg:"(?:[^"\\;]|\\["\\;])*"'
host_rule = re.compile(r'^alert (dns|tls|http) \$HOME_NET any -> any any \(' + msg +
    r'; (dns\.query|tls\.sni|http\.host); (dotprefix; )?content:"([a-z0-9._-]+)"; (nocase; )?'
    r'(startswith; )?endswith; sid:(\d+); rev:1;\)$')
ip_rule = re.compile(r'^alert ip \$HOME_NET any -> ([0-9a-f:.]+) any \(' + msg + r'; sid:(\d+); rev:1;\)$')
want_buf = {"dns": "dns.query", "tls": "tls.sni", "http": "http.host"}
sids, bad = set(), 0
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    m = host_rule.match(line)
    if m:
        proto, buf, dot, content, nocase, sw, sid = m.groups()
        ok = want_buf[proto] == buf and (buf != "http.host" or not nocase) and \
             (content.startswith(".") == bool(dot)) and content == content.lower()
    else:
        m = ip_rule.match(line)
        ok, sid = bool(m), (m.group(2) if m else None)
    if not ok or sid in sids:
        print("FAIL suricata rule %d: %s" % (n, line), file=sys.stderr); bad += 1
    sids.add(sid)
print("ok   suricata rule self-check (%d rules; suricata not installed)" % len(sids)) if not bad else None
sys.exit(1 if bad else 0)
PY
fi
# dataset lines are base64 of names
python3 - "$OUT/suricata-dataset.txt" <<'PY' || fail=1
import base64, re, sys
for line in open(sys.argv[1]):
    v = base64.b64decode(line.strip(), validate=True).decode()
    assert re.fullmatch(r'[a-z0-9._-]+', v), v
print("ok   suricata dataset base64")
PY
exit $fail
