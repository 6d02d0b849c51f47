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
# The stylesheet is built from GOV.UK Frontend's Sass (scripts/govuk-frontend.scss), not
# copied precompiled: Misper is not on GOV.UK, so it uses Arial instead of GDS Transport,
# and neither the @font-face rules nor the font files are shipped.
npx --no-install sass --no-source-map --style=compressed --load-path=node_modules \
  scripts/govuk-frontend.scss "$dst/govuk-frontend.min.css"
mkdir -p "$dst/assets"
cp -r "$src/assets/images" "$src/assets/manifest.json" "$dst/assets/"
node -p 'require("./node_modules/govuk-frontend/package.json").version' > "$dst/VERSION"
axe=tests/browser/vendor/axe-core
rm -rf "$axe" && mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js "$axe/"
node -p 'require("./node_modules/axe-core/package.json").version' > "$axe/VERSION"
echo "vendored govuk-frontend $(cat "$dst/VERSION") (built with sass $(npx --no-install sass --version | cut -d' ' -f1)) and axe-core $(cat "$axe/VERSION")"
