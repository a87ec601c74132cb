#!/usr/bin/env bash
# End-to-end CLI tests on bundled samples (always) and ../shared samples (when present).
set -euo pipefail
exec python3 "$(dirname "$0")/e2e.py" "$@"
