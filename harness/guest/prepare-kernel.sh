#!/usr/bin/env bash
# Fetches a Debian kernel package into the cache (downloaded, never installed on the host) and
# builds a busybox initramfs that loads its 9p/virtio/ext4 modules and switches to the host root
# over 9p. Prints "<vmlinuz> <initramfs>".  usage: prepare-kernel.sh <cache-dir> <package-pattern> [suite...]
#   package-pattern: an apt package name or a glob such as 'linux-image-6.12.*-amd64-unsigned'
#   (globs skip the rt and cloud flavours: cloud kernels have no 9p)
#   suite: look in these Debian suites (bullseye-security, trixie-backports, ...) through a private
#   apt state (suite-apt.sh) instead of the host's lists
set -euo pipefail
cache=$(realpath -m "$1") pattern=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=initramfs-modules.sh
source "$here/initramfs-modules.sh"
mkdir -p "$cache"
cd "$cache"
APT=()
if (($# > 0)); then
  # shellcheck source=suite-apt.sh
  source "$here/suite-apt.sh"
  suite_apt_state "$cache/apt/amd64-$(IFS=+; echo "$*")" amd64 "$@" || exit 1
fi
# shellcheck source=kernel-packages.sh
source "$here/kernel-packages.sh"
find_pkg() { pkg=$(kernel_packages "$pattern" | head -1); }
find_pkg
# a fresh machine may have no package lists yet
[[ -n $pkg ]] || { apt-get "${APT[@]}" update -qq >/dev/null 2>&1; find_pkg; }
[[ -n $pkg ]] || { echo "prepare-kernel: no package matches $pattern (apt-get update?)" >&2; exit 1; }
dir="$cache/$pkg"
if [[ ! -f $dir/initramfs.cpio.gz ]]; then
  rm -rf "$dir" && mkdir -p "$dir/root"
  mapfile -t pkgs < <(kernel_image_packages "$pkg")
  (cd "$dir" && apt-get "${APT[@]}" download "${pkgs[@]}" >/dev/null 2>&1) || { echo "prepare-kernel: apt-get download ${pkgs[*]} failed" >&2; exit 1; }
  for deb in "$dir"/*.deb; do dpkg-deb -x "$deb" "$dir/x"; done
  rm -f "$dir"/*.deb
  moddir=$dir/x/lib/modules
  [[ -d $moddir ]] || moddir=$dir/x/usr/lib/modules
  kver=$(ls "$moddir")
  mods="$moddir/$kver"
  # depmod -b looks under <base>/lib/modules
  [[ -d $dir/x/lib/modules ]] || { mkdir -p "$dir/x/lib" && ln -s ../usr/lib/modules "$dir/x/lib/modules"; }
  depmod -b "$dir/x" "$kver" # the package ships no modules.dep: dpkg's hooks make it on install
  mkdir -p "$dir/root"/{bin,dev,proc,sys,newroot}
  cp /bin/busybox "$dir/root/bin/busybox"
  # the modules the guest needs, with their dependencies, in load order
  initramfs_modules "$mods" "$dir/root/lib/modules" virtio_pci 9pnet_virtio 9p virtio_blk ext4 virtio_net crc32c_generic
  cat > "$dir/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in $(/bin/busybox cat /lib/modules/order); do /bin/busybox insmod /lib/modules/$m 2>/dev/null; done
init=$(/bin/busybox sed -n 's/.*guest_init=\([^ ]*\).*/\1/p' /proc/cmdline)
/bin/busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /newroot || {
  echo "@@VM-EXIT 125 (9p mount failed)"; /bin/busybox poweroff -f; }
/bin/busybox umount /proc
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot "$init"
INIT
  chmod +x "$dir/root/init"
  (cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1 > "$dir/initramfs.cpio.gz")
  if [[ -f $dir/x/boot/vmlinuz-$kver ]]; then cp "$dir/x/boot/vmlinuz-$kver" "$dir/vmlinuz"; else cp "$mods/vmlinuz" "$dir/vmlinuz"; fi
  rm -rf "$dir/x" "$dir/root"
fi
echo "$dir/vmlinuz $dir/initramfs.cpio.gz"
