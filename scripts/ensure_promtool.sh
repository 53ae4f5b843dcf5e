#!/usr/bin/env bash
# The alert rules (deploy/prometheus) are checked and unit-tested with promtool. Debian ships
# it in the `prometheus` package; only the promtool binary is needed, so the package is
# downloaded and unpacked into .tools/ rather than installed (installing it would also set up
# a Prometheus server). Nothing is fetched from outside Debian's archive.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v promtool >/dev/null 2>&1 || [ -x .tools/bin/promtool ]; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" = "0" ]; then
  apt-get update -qq
fi
(cd "$work" && apt-get download -qq prometheus 2>/dev/null) || {
  echo "Could not download Debian's prometheus package (for promtool). Run: apt-get download prometheus" >&2
  exit 1
}
dpkg-deb -x "$work"/prometheus_*.deb "$work/pkg"
mkdir -p .tools/bin
cp "$work/pkg/usr/bin/promtool" .tools/bin/promtool
.tools/bin/promtool --version | head -1
