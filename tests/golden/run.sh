#!/usr/bin/env bash
# Golden tests: rules + events -> expected alerts; rules that must be rejected.
set -euo pipefail
exec python3 "$(dirname "$0")/golden.py" "$@"
