#!/usr/bin/env bash
# SigmaHQ regression samples: every case of ../shared/sigma/regression_data, EVTX and JSON.
# Skipped (exit 77) when the SigmaHQ folder is absent.
set -euo pipefail
lw=${1:?usage: run.sh LUREWATCH [SIGMA_DIR]}
sigma=${2:-$(dirname "$0")/../../../shared/sigma}
if [ ! -d "$sigma/regression_data" ]; then
  echo "conformance: $sigma/regression_data not found; skipped"
  exit 77
fi
exec python3 "$(dirname "$0")/conformance.py" "$lw" "$sigma"
