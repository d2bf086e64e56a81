#!/usr/bin/env bash
# The BTF of every kernel in the support matrix, cut from Debian's packages (downloaded, never
# installed, never booted) into <cache>/<name>.btf. Prints "<name> <package> <btf>" a line.
#   usage: kernel-btf.sh <cache-dir> [name...]   (default: the whole matrix)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=$(realpath -m "$1")
shift
# shellcheck source=../../harness/guest/suite-apt.sh
source "$repo/harness/guest/suite-apt.sh"
# shellcheck source=../../harness/guest/kernel-packages.sh
source "$repo/harness/guest/kernel-packages.sh"
# name  debian-arch  suites  package glob (the newest match wins)
MATRIX="
x86-5.10    amd64 bullseye,bullseye-security       linux-image-5.10.0-*-amd64-unsigned
x86-6.1     amd64 bookworm,bookworm-security       linux-image-6.1.0-*-amd64-unsigned
x86-6.12    amd64 trixie,trixie-security           linux-image-6.12.*-amd64-unsigned
x86-6.x     amd64 trixie-backports                 linux-image-6.*-amd64
x86-7.x     amd64 trixie-backports                 linux-image-7.*-amd64
arm64-5.10  arm64 bullseye,bullseye-security       linux-image-5.10.0-*-arm64-unsigned
arm64-6.1   arm64 bookworm,bookworm-security       linux-image-6.1.0-*-arm64-unsigned
arm64-6.12  arm64 trixie,trixie-security           linux-image-6.12.*-arm64-unsigned
arm64-6.x   arm64 trixie-backports                 linux-image-6.*-arm64
arm64-7.x   arm64 trixie-backports                 linux-image-7.*-arm64
"
mkdir -p "$cache"
want=" $* "
echo "$MATRIX" | while read -r name arch suites glob; do
  [[ -n $name ]] || continue
  [[ $# -eq 0 || $want == *" $name "* ]] || continue
  if [[ -f $cache/$name.btf && -f $cache/$name.pkg ]]; then echo "$name $(cat "$cache/$name.pkg") $cache/$name.btf"; continue; fi
  # shellcheck disable=SC2086
  suite_apt_state "$cache/apt/$arch-${suites//,/+}" "$arch" ${suites//,/ } >&2 || exit 1
  work=$(mktemp -d)
  pkg=
  # the newest match that downloads (a mirror can lack a superseded security build)
  for cand in $(kernel_packages "$glob" | head -20); do
    # 7.x splits the image into linux-binary-* (the boot image) and linux-modules-*
    binary=$(kernel_image_packages "$cand" | grep -E '^linux-binary-' || true)
    if (cd "$work" && apt-get "${APT[@]}" download "${binary:-$cand}" >/dev/null 2>&1); then pkg=$cand; break; fi
    echo "kernel-btf: apt-get download ${binary:-$cand} failed, trying an older one" >&2
  done
  [[ -n $pkg ]] || { echo "kernel-btf: no package matching $glob in $suites downloads" >&2; rm -rf "$work"; exit 1; }
  dpkg-deb --fsys-tarfile "$work"/*.deb | tar -x -C "$work" --wildcards --no-anchored 'vmlinuz*' 2>/dev/null || true
  image=$(find "$work" -name 'vmlinuz*' -type f | head -1)
  [[ -n $image ]] || { echo "kernel-btf: no vmlinuz in $pkg" >&2; rm -rf "$work"; exit 1; }
  python3 "$repo/bpf/vmlinux/extract-btf.py" "$image" "$cache/$name.btf" >&2
  echo "$pkg" > "$cache/$name.pkg"
  rm -rf "$work"
  echo "$name $pkg $cache/$name.btf"
done
