#!/usr/bin/env bash
# Installs the Debian packages bec-milter builds against (ICU, libmilter) when they are missing.
# Postfix, PostgreSQL and browsers are installed by the tests that need them.
set -euo pipefail
need=()
for p in libicu-dev libmilter-dev libsqlite3-dev pkg-config python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
