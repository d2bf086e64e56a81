#!/usr/bin/env bash
# The architecture-independent part of the app: package.json, the compiled dist/src and the
# production node_modules without any optional (per-platform) package; tree.sh adds the target's koffi.
#   usage: app.sh <out-dir>      (from the checkout root, after npm run build)
set -euo pipefail
out=$1
rm -rf "$out" && mkdir -p "$out/dist"
cp package.json package-lock.json "$out/"
cp -r dist/src "$out/dist/src"
# --ignore-scripts: koffi's install script only looks for a prebuilt, which tree.sh puts in place
(cd "$out" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$out/package-lock.json" "$out/node_modules/.package-lock.json"
