#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded build). Install it where it is
# missing, or stop with the exact command to run: a browser test never skips quietly.
set -euo pipefail
# WeasyPrint (the PDF exports) needs Pango and HarfBuzz's subsetter from Debian too; Chromium
# depends on both, and they are named here so that a machine with Chromium but without them
# is still put right.
packages=(chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1 \
  && ldconfig -p | grep -q 'libharfbuzz-subset.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "installing Debian's ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "Chromium or WeasyPrint's libraries are missing. Run: sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
