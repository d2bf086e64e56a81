#!/usr/bin/env bash
# A Debian host for the systemd guest, built from Debian packages with mmdebstrap: minbase plus
# systemd as init, udev, kmod, Debian's own kernel (linux-image-<arch>, installed in the image
# with its initramfs-tools initrd, never on the host), curl and bpftool for the checks; no Node.
# The vm-command unit (image/) runs the host's command at boot. Cached under <cache-dir> by a
# hash of the recipe (suite, arch, sources, packages, hooks, image/). Prints "<vmlinuz> <initrd> <ext4-image>".
# A foreign arch (arm64 on x86) runs the packages' scripts under qemu-user through binfmt_misc
# (harness/guest/binfmt-arm64.sh registers qemu-user-static's, from bash scripts/deps.sh systemd-arm64).
#   usage: rootfs.sh <cache-dir> <suite: bookworm|bullseye> [arch: amd64|arm64]
set -euo pipefail
cache=$1 suite=$2 arch=${3:-amd64}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../harness/guest/suite-apt.sh
source "$here/../../harness/guest/suite-apt.sh"
# the host's own Debian mirrors
mirror=$(suite_apt_uri '[^y]$')
security=$(suite_apt_uri 'security$')
[[ -n $mirror ]] || { echo "rootfs: no Debian mirror in the host's apt sources" >&2; exit 1; }
packages=systemd,systemd-sysv,udev,kmod,procps,curl,ca-certificates,bpftool,linux-image-$arch,initramfs-tools
# Debian 11's own libbpf 0.3 installed, as on a real bullseye host: the package must not load it
[[ $suite != bullseye ]] || packages+=,libbpf0
sources=("deb $mirror $suite main" "deb $mirror $suite-updates main")
# bullseye's security pool on this archive lacks files its index names (404s): its point release only
[[ $suite == bullseye ]] || sources+=("deb ${security:-$mirror-security} $suite-security main")
# the serial console vm.ts reads: the PC UART on x86, the PL011 on arm64's virt machine
tty=ttyS0
[[ $arch != arm64 ]] || tty=ttyAMA0
hooks=(
  "copy-in $here/image/vm-command /usr/local/sbin"
  "copy-in $here/image/vm-command.service /etc/systemd/system"
  "sed -i 's,/dev/ttyS0,/dev/$tty,' \"\$1/etc/systemd/system/vm-command.service\""
  'chroot "$1" systemctl enable vm-command.service'
  "chroot \"\$1\" systemctl mask serial-getty@$tty.service getty@tty1.service"
  'echo systemd-guest > "$1/etc/hostname"; echo "/dev/vda / ext4 rw 0 1" > "$1/etc/fstab"'
)
key=$(cat "$here"/image/* <(printf '%s\n' "$suite" "$arch" "$packages" "${sources[@]}" "${hooks[@]//$here/}") | sha256sum | cut -c1-12)
name=$suite-$arch
dir=$cache/$name-$key
if [[ ! -f $dir/.complete ]]; then
  command -v mmdebstrap >/dev/null || { echo "rootfs: mmdebstrap not found (bash scripts/deps.sh systemd)" >&2; exit 1; }
  [[ $arch == "$(dpkg --print-architecture)" ]] || bash "$here/../../harness/guest/binfmt-arm64.sh"
  echo "rootfs: building the $suite $arch image (mmdebstrap, a few minutes)" >&2
  rm -rf "$dir" && mkdir -p "$dir/root"
  mmdebstrap --mode=root --variant=minbase --architectures="$arch" --include="$packages" "${hooks[@]/#/--customize-hook=}" \
    "$suite" "$dir/root" "${sources[@]}" >"$dir/mmdebstrap.log" 2>&1 ||
    { echo "rootfs: mmdebstrap failed: $(tail -5 "$dir/mmdebstrap.log")" >&2; exit 1; }
  vmlinuz=$(ls "$dir"/root/boot/vmlinuz-* | sort -V | tail -1)
  # qemu boots an uncompressed arm64 Image; Debian's arm64 vmlinuz is a gzipped one
  if [[ $arch == arm64 ]] && gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" > "$dir/vmlinuz"; else cp "$vmlinuz" "$dir/vmlinuz"; fi
  cp "$(ls "$dir"/root/boot/initrd.img-* | sort -V | tail -1)" "$dir/initrd.img"
  rm -f "$dir"/root/var/cache/apt/*.bin "$dir"/root/var/lib/apt/lists/*_Packages
  mkfs.ext4 -q -F -L root -d "$dir/root" "$dir/root.img" 3G >&2 # it prints "Creating regular file" on stdout, which carries the paths
  rm -rf "$dir/root"
  touch "$dir/.complete"
  find "$cache" -maxdepth 1 -name "$name-*" ! -name "$name-$key" -exec rm -rf {} +
fi
echo "$dir/vmlinuz $dir/initrd.img $dir/root.img"
