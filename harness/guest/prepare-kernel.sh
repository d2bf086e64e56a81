#!/usr/bin/env bash
# Fetches a Debian kernel package into the cache (downloaded, never installed on the host) and
# builds a busybox initramfs that loads its 9p/virtio/ext4 modules and switches to the host root
# over 9p. Prints "<vmlinuz> <initramfs>".  usage: prepare-kernel.sh <cache-dir> <package-pattern>
#   package-pattern: an apt package name or a glob such as 'linux-image-6.12.*-amd64-unsigned'
#   (globs skip the rt and cloud flavours: cloud kernels have no 9p)
set -euo pipefail
cache=$1 pattern=$2
# shellcheck source=initramfs-modules.sh
source "$(cd "$(dirname "$0")" && pwd)/initramfs-modules.sh"
mkdir -p "$cache"
cd "$cache"
find_pkg() {
if [[ $pattern == *'*'* ]]; then
  pkg=$(apt-cache search --names-only "^${pattern//\*/.*}\$" | awk '{print $1}' | grep -v -e '-rt-' -e '-cloud-' | sort -V | tail -1 || true)
else
  pkg=$(apt-cache depends "$pattern" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}' || true)
  if [[ -z $pkg ]] && apt-cache show "$pattern" >/dev/null 2>&1; then pkg=$pattern; fi
fi
return 0
}
find_pkg
# a fresh machine may have no package lists yet
[[ -n $pkg ]] || { apt-get update -qq >/dev/null 2>&1; find_pkg; }
[[ -n $pkg ]] || { echo "prepare-kernel: no package matches $pattern (apt-get update?)" >&2; exit 1; }
dir="$cache/$pkg"
if [[ ! -f $dir/initramfs.cpio.gz ]]; then
  rm -rf "$dir" && mkdir -p "$dir/root"
  (cd "$dir" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "prepare-kernel: apt-get download $pkg failed" >&2; exit 1; }
  dpkg-deb -x "$dir"/*.deb "$dir/x"
  rm -f "$dir"/*.deb
  kver=$(ls "$dir/x/lib/modules")
  mods="$dir/x/lib/modules/$kver"
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
  cp "$dir/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
  rm -rf "$dir/x" "$dir/root"
fi
echo "$dir/vmlinuz $dir/initramfs.cpio.gz"
