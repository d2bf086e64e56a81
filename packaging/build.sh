#!/usr/bin/env bash
# npm run package [-- amd64 arm64]: for each architecture, dist-pkg/fsnotify-exporter_<version>_<debarch>.deb
# and dist-pkg/fsnotify-exporter-<version>-linux-<debarch>.tar.gz, which need no Node or npm on the
# host. Node comes from the npm registry (version pinned in package.json "packaging.node"), libbpf1
# from Debian bookworm (apt-get download). docs/packaging.md says what is inside and why.
set -euo pipefail
cd "$(dirname "$0")/.."
export PKG_CACHE=$PWD/.cache/pkg
archs=("$@")
((${#archs[@]})) || archs=(amd64 arm64)
version=$(node -p "require('./package.json').version")
node_version=$(node -p "require('./package.json').packaging.node")
koffi_version=$(node -p "require('./node_modules/koffi/package.json').version")
command -v dpkg-deb >/dev/null || { echo "package: dpkg-deb not found (a Debian machine is needed)" >&2; exit 1; }
# shellcheck source=fetch.sh
source packaging/fetch.sh
mkdir -p "$PKG_CACHE" dist-pkg
stage=dist-pkg/stage
rm -rf "$stage" && mkdir -p "$stage"
npm run build --silent
bash packaging/app.sh "$stage/app"
for a in "${archs[@]}"; do
  [[ -n ${NODE_ARCH[$a]:-} ]] || { echo "package: unknown architecture $a (amd64, arm64)" >&2; exit 2; }
  node_dir=$(fetch_node "$a" "$node_version")
  koffi_dir=$(fetch_koffi "$a" "$koffi_version")
  libbpf_dir=$(fetch_libbpf "$a")
  root=$stage/root-$a
  bash packaging/tree.sh "$a" "$stage/app" "$node_dir" "$koffi_dir" "$libbpf_dir" "$root"
  deb=dist-pkg/fsnotify-exporter_${version}_$a.deb
  bash packaging/deb.sh "$a" "$root" "$libbpf_dir" "$deb"
  bash packaging/tarball.sh "$root" "dist-pkg/fsnotify-exporter-$version-linux-$a.tar.gz"
  echo "package: $deb ($(du -k "$deb" | cut -f1) KiB), dist-pkg/fsnotify-exporter-$version-linux-$a.tar.gz"
done
rm -rf "$stage"
