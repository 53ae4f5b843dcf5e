#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded build). Install it where it is
# missing, or stop with the exact command to run: a browser test never skips quietly.
set -euo pipefail
if [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
else
  echo "Chromium is missing. Run: sudo apt-get install -y chromium chromium-driver" >&2
  exit 1
fi
