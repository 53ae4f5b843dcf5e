#!/usr/bin/env bash
# Front-end assets are built by the intake issue (NHS.UK frontend from npm, served by intake itself).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
  if [ -x scripts/copy_assets.sh ]; then bash scripts/copy_assets.sh; fi
fi
