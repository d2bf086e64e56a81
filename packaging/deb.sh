#!/usr/bin/env bash
# The .deb from a tree made by tree.sh: control file, conffiles, maintainer scripts, dpkg-deb.
#   usage: deb.sh <debarch> <root> <libbpf-dir> <out.deb>
set -euo pipefail
debarch=$1 root=$2 libbpf=$3 out=$4
version=$(node -p "require('./package.json').version")
depends=$(bash packaging/depends.sh "$root" "$libbpf/DEBIAN/control")
rm -rf "$root/DEBIAN" && mkdir -p "$root/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "packaging/debian/$s" "$root/DEBIAN/$s"; done
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | xargs -0 md5sum | sed 's| \./| |') > "$root/DEBIAN/md5sums"
cat > "$root/DEBIAN/control" <<CONTROL
Package: fsnotify-exporter
Version: $version
Architecture: $debarch
Maintainer: fsnotify-exporter maintainers <fsnotify-exporter@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends, init-system-helpers (>= 1.52)
Section: admin
Priority: optional
Homepage: https://github.com/fsnotify-exporter/fsnotify-exporter
Description: Prometheus exporter for the kernel's fsnotify child-dentry walk (eBPF)
 Measures each walk that sets or clears DCACHE_FSNOTIFY_PARENT_WATCHED on a
 directory's children (duration, children, herd size, lock waits), warns while
 a walk heads toward a soft lockup, and exports it all to Prometheus.
 .
 Self-contained: a Node.js 20 runtime, the app and a libbpf 1.x (used when the
 host has no libbpf.so.1) are under /usr/lib/fsnotify-exporter. The service is
 not enabled on install: systemctl enable --now fsnotify-exporter.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
