#!/usr/bin/env bash
# The architecture-independent part of the app: package.json, the compiled dist/src and the
# production node_modules without any optional (per-platform) package; tree.sh adds the target's koffi.
#   usage: app.sh <out-dir>      (from the checkout root, after npm run build)
set -euo pipefail
out=$1
rm -rf "$out" && mkdir -p "$out/dist"
cp package.json package-lock.json "$out/"
cp -r dist/bundle "$out/dist/bundle"
# --ignore-scripts: koffi's install script only looks for a prebuilt, which tree.sh puts in place
(cd "$out" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$out/package-lock.json" "$out/node_modules/.package-lock.json"
# what nothing loads at run time: types, source maps, docs, packages' own tests and CI files
# (a third of the files, and dpkg's install time is mostly per file)
find "$out" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
  -o -name '*.map' -o -name '*.md' -o -name '*.markdown' -o -name '.gitattributes' -o -name '.eslintrc*' -o -name '.npmignore' \
  -o -name '*.yml' -o -name '*.yaml' -o -name '*.cc' -o -name '*.h' -o -name 'tsconfig*.json' \) -delete
# only at a package's top: deeper, such names can be code (yaml/dist/doc)
for top in "$out/node_modules" "$out"/node_modules/@*; do
  find "$top" -mindepth 2 -maxdepth 2 -type d \( -name test -o -name tests -o -name benchmark -o -name benchmarks \
    -o -name bench -o -name example -o -name examples -o -name .github \) -exec rm -rf {} +
done
