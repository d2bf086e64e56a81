#!/usr/bin/env bash
# The .tar.gz from a tree made by tree.sh: /usr/lib/fsnotify-exporter's contents under one top
# directory, with the systemd unit and defaults file in systemd/ and the docs beside them.
#   usage: tarball.sh <root> <out.tar.gz>
set -euo pipefail
root=$1 out=$2
top=$(basename "$out" .tar.gz)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cp -a "$root/usr/lib/fsnotify-exporter" "$t/$top"
mkdir -p "$t/$top/systemd"
cp "$root/lib/systemd/system/fsnotify-exporter.service" "$root/etc/default/fsnotify-exporter" "$t/$top/systemd/"
cp README.md CHANGELOG.md "$root/usr/share/doc/fsnotify-exporter/copyright" "$t/$top/"
tar --owner=0 --group=0 --numeric-owner --sort=name -C "$t" -czf "$out" "$top"
