#!/usr/bin/env bash
# Installs what the real-browser test needs (Debian's chromium and chromium-driver, Selenium from PyPI)
# when missing, builds bec-milter, and runs Tests/Integration/browser_test.py against it.
#
#   Tests/Integration/browser.sh [--binary PATH]
#   Tests/Integration/browser.sh --install-only     (what postfix_test.sh uses before its own browser step)
#
# BEC_SCRATCH_PATH picks the build folder (default .build). Exit status: the test's.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for p in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "browser.sh: need ${need[*]} and I am not root" >&2; exit 2; fi
  echo "browser.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q 'selenium>=4.10,<5'
if [ "${1:-}" = "--install-only" ]; then exit 0; fi

BINARY=""
if [ "${1:-}" = "--binary" ]; then BINARY="$2"; shift 2; fi
if [ -z "$BINARY" ]; then
  SCRATCH="${BEC_SCRATCH_PATH:-.build}"
  swift build --scratch-path "$SCRATCH" --product bec-milter >/dev/null
  BINARY="$(swift build --scratch-path "$SCRATCH" --show-bin-path)/bec-milter"
fi
exec python3 Tests/Integration/browser_test.py --binary "$BINARY" "$@"
