#!/usr/bin/env bash
# Regenerates vmlinux/{x86,arm64}/vmlinux.h from Debian bookworm's linux-image 6.1 packages, so both
# arches are built against the same kernel release (the version is recorded in vmlinux/VERSIONS).
# The packages are downloaded, not installed; arm64's come through a private arm64 apt state
# (harness/guest/arm64-apt.sh, shared with the arm64 guest's cache), so the host's dpkg is not touched.
# The kernel's raw BTF is cut out of the boot image (extract-btf.py) and dumped as C by bpftool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../harness/guest/arm64-apt.sh
source "$repo/harness/guest/arm64-apt.sh"
arm64_apt_state "${VM_CACHE:-$repo/.cache/vm}/arm64/apt" || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/VERSIONS"
for pair in x86:amd64 arm64:arm64; do
  arch=${pair%%:*} deb_arch=${pair##*:}
  opts=()
  [[ $deb_arch == arm64 && $(dpkg --print-architecture) != arm64 ]] && opts=("${APT[@]}")
  pkg=$(apt-cache "${opts[@]}" depends "linux-image-${deb_arch}" | awk '/Depends: linux-image-6/{print $2; exit}')
  (cd "$work" && apt-get "${opts[@]}" download "$pkg" >/dev/null 2>&1)
  deb=$(ls "$work"/linux-image-*_"${deb_arch}".deb)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards './boot/vmlinuz*'
  python3 "$here/extract-btf.py" "$work"/boot/vmlinuz-*-"${deb_arch}" "$work/$arch.btf"
  bpftool btf dump file "$work/$arch.btf" format c > "$here/$arch/vmlinux.h"
  echo "$arch $(basename "$deb")" >> "$work/VERSIONS"
  rm -rf "$work/boot" "$deb"
done
mv "$work/VERSIONS" "$here/VERSIONS"
cat "$here/VERSIONS"
