#!/usr/bin/env bash
# The installed tree for one architecture, as the .deb lays it out:
#   /usr/lib/fsnotify-exporter/{bin/fsnotify-exporter,node,app,lib/libbpf.so.1,MANIFEST}
#   /usr/bin/fsnotify-exporter, /lib/systemd/system/fsnotify-exporter.service,
#   /etc/default/fsnotify-exporter, /usr/share/doc/fsnotify-exporter/
#   usage: tree.sh <debarch> <app-common-dir> <node-dir> <koffi-dir> <libbpf-dir> <root>
set -euo pipefail
debarch=$1 app=$2 node=$3 koffi=$4 libbpf=$5 root=$6
declare -A BPF_ARCH=([amd64]=x86 [arm64]=arm64)
lib=$root/usr/lib/fsnotify-exporter
rm -rf "$root" && mkdir -p "$lib"/{bin,node/bin,lib} "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/doc/fsnotify-exporter"
install -m 0755 packaging/fsnotify-exporter.sh "$lib/bin/fsnotify-exporter"
ln -s ../lib/fsnotify-exporter/bin/fsnotify-exporter "$root/usr/bin/fsnotify-exporter"
install -m 0755 "$node/bin/node" "$lib/node/bin/node"
install -m 0644 "$node/LICENSE" "$lib/node/LICENSE"
cp -r "$app" "$lib/app"
mkdir -p "$lib/app/bpf" "$lib/app/node_modules/@koromix"
install -m 0644 "bpf/fsnotify.${BPF_ARCH[$debarch]}.bpf.o" "$lib/app/bpf/"
# koffi's glibc prebuilt for this architecture only (its package also carries a musl one)
cp -r "$koffi" "$lib/app/node_modules/@koromix/$(basename "$koffi" | sed 's/-[0-9.]*$//')"
find "$lib/app/node_modules/@koromix" -mindepth 2 -maxdepth 2 -type d -name 'musl_*' -exec rm -rf {} +
rm -f "$lib/app/node_modules/@koromix"/*/.complete
install -m 0644 "$libbpf/libbpf.so.1" "$lib/lib/libbpf.so.1"
install -m 0644 systemd/fsnotify-exporter.service "$root/lib/systemd/system/"
install -m 0644 systemd/fsnotify-exporter.default "$root/etc/default/fsnotify-exporter"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/fsnotify-exporter/copyright"
gzip -9n < CHANGELOG.md > "$root/usr/share/doc/fsnotify-exporter/changelog.gz"
{
  echo "fsnotify-exporter=$(node -p "require('./package.json').version")"
  echo "node-linux-$(node -p "require('$node/package.json').name.split('-').pop()")=$(node -p "require('$node/package.json').version")"
  echo "koffi=$(node -p "require('$koffi/package.json').version")"
  echo "libbpf1=$(awk '/^Version:/{print $2}' "$libbpf/DEBIAN/control") (Debian bookworm, $debarch)"
} > "$lib/MANIFEST"
find "$root" -type d -exec chmod 0755 {} +
