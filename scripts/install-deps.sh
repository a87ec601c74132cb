#!/usr/bin/env bash
# Install the Debian 12 packages lurewatch needs to build, test and benchmark.
# Idempotent: does nothing when everything is present.  Needs root (or sudo).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libevtx-dev libevtx-utils libyaml-dev libpcre2-dev libhyperscan-dev
  libpsl-dev publicsuffix libidn2-dev libicu-dev libsqlite3-dev zlib1g-dev libarchive-dev
  libcmocka-dev libcjson-dev
  jq python3 python3-yaml
  chromium bind9-utils fonts-dejavu-core
  libsimdjson-dev g++ time
)
# chromium: the HTML report's browser test (ctest report-browser; skipped without it).
# bind9-utils: named-checkzone validates the exported RPZ zone (export-golden).
# fonts-dejavu-core: readable text in the report screenshots.
# libsimdjson-dev, g++, time: the benchmark's parse-only reference and peak-RSS readings.

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
