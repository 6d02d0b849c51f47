#!/usr/bin/env bash
# Refresh the committed front-end files from the pinned npm packages (package.json).
# Misper runs without Node: only this script needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent
src=node_modules/govuk-frontend/dist/govuk
dst=src/misper/web/static/vendor/govuk-frontend
rm -rf "$dst" && mkdir -p "$dst"
cp "$src/govuk-frontend.min.js" "$dst/"
# The precompiled stylesheet points at /assets/; make the links relative to the stylesheet.
sed -e 's#url(/assets/#url(assets/#g' "$src/govuk-frontend.min.css" > "$dst/govuk-frontend.min.css"
cp -r "$src/assets" "$dst/assets"
node -p 'require("./node_modules/govuk-frontend/package.json").version' > "$dst/VERSION"
axe=tests/browser/vendor/axe-core
rm -rf "$axe" && mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js "$axe/"
node -p 'require("./node_modules/axe-core/package.json").version' > "$axe/VERSION"
echo "vendored govuk-frontend $(cat "$dst/VERSION") and axe-core $(cat "$axe/VERSION")"
