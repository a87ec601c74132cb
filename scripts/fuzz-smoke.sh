#!/usr/bin/env bash
# Run every libFuzzer target for a few seconds on its seed corpus; fail on any crash.
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
n=0
for f in "$build"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="$root/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  # EVTX seeds cannot be written by hand; borrow real ones when ../shared is there.
  if [ "$name" = fuzz_evtx ] && [ -d "$root/../shared/data/evtx_attack_samples" ]; then
    cp "$root"/../shared/data/evtx_attack_samples/*.evtx "$work"/ 2>/dev/null || true
  fi
  dict=()
  [ -f "$root/fuzz/${name#fuzz_}.dict" ] && dict=(-dict="$root/fuzz/${name#fuzz_}.dict")
  echo "fuzz-smoke: $name for ${secs}s"
  # fuzz_evtx drives the native EVTX decoder (not libevtx, which leaks): leaks count too.
  leaks=1
  ASAN_OPTIONS="detect_leaks=$leaks" "$f" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 "${dict[@]}" "$work" \
    >"$work.log" 2>&1 || { tail -40 "$work.log"; echo "fuzz-smoke: $name FAILED"; exit 1; }
  grep -E '^(#[0-9]+\s+DONE|Done)' "$work.log" | tail -1 || true
  rm -rf "$work" "$work.log"
  n=$((n+1))
done
echo "fuzz-smoke: $n fuzzers ran clean"
[ "$n" -gt 0 ]
