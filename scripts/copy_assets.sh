#!/usr/bin/env bash
# Copy the NHS.UK frontend build into intake's static folder, so intake serves it itself,
# and into the shared package's, for the staff services.
#
# - CSS and JS come from node_modules/nhsuk-frontend/dist/nhsuk (the package's own build).
# - The @font-face rules are removed: they load Frutiger from a third-party host, and intake
#   loads nothing from elsewhere. Text falls back to the stack's system fonts (Arial).
# - Image URLs in the CSS are made relative, so they resolve under /static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=node_modules/nhsuk-frontend/dist/nhsuk
DEST=services/intake/static/vendor
if [ ! -d "$SRC" ]; then
  echo "copy_assets: $SRC is missing; run npm ci first" >&2
  exit 1
fi
rm -rf "$DEST"
mkdir -p "$DEST/assets"
# The font-face blocks are single rules in the minified file: drop each whole.
sed -E -e 's/@font-face\{[^}]*\}//g' \
       -e 's#url\(/assets/#url(assets/#g' \
       -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
       "$SRC/nhsuk-frontend.min.css" > "$DEST/nhsuk-frontend.min.css"
sed -E -e 's#//\# sourceMappingURL=.*$##' "$SRC/nhsuk-frontend.min.js" > "$DEST/nhsuk-frontend.min.js"
cp -R "$SRC/assets/images" "$DEST/assets/images"
if grep -Eq 'https?://' "$DEST/nhsuk-frontend.min.css"; then
  echo "copy_assets: the CSS still refers to another host" >&2
  grep -Eo 'url\(https?://[^)]*\)' "$DEST/nhsuk-frontend.min.css" >&2 || true
  exit 1
fi
# The staff services (accounts, analytics, training) serve the same build from the shared package.
rm -rf libs/portal_common/static/vendor
cp -R "$DEST" libs/portal_common/static/vendor
echo "copy_assets: NHS.UK frontend $(node -p "require('./$SRC/../../package.json').version") copied to $DEST and libs/portal_common/static/vendor"
