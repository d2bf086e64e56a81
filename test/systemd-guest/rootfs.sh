#!/usr/bin/env bash
# A Debian host for the systemd guest, built from Debian packages with mmdebstrap: minbase plus
# systemd as init, udev, kmod, Debian's own kernel (linux-image-<arch>, installed in the image
# with its initramfs-tools initrd, never on the host), curl and bpftool for the checks; no Node.
# The vm-command unit (image/) runs the host's command at boot. Cached under <cache-dir> by a
# hash of the recipe (suite, sources, packages, hooks, image/). Prints "<vmlinuz> <initrd> <ext4-image>".
#   usage: rootfs.sh <cache-dir> <suite: bookworm|bullseye>
set -euo pipefail
cache=$1 suite=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../harness/guest/suite-apt.sh
source "$here/../../harness/guest/suite-apt.sh"
# the host's own Debian mirrors
mirror=$(suite_apt_uri '[^y]$')
security=$(suite_apt_uri 'security$')
[[ -n $mirror ]] || { echo "rootfs: no Debian mirror in the host's apt sources" >&2; exit 1; }
packages=systemd,systemd-sysv,udev,kmod,procps,curl,ca-certificates,bpftool,linux-image-amd64,initramfs-tools
sources=("deb $mirror $suite main" "deb $mirror $suite-updates main")
# bullseye's security pool on this archive lacks files its index names (404s): its point release only
[[ $suite == bullseye ]] || sources+=("deb ${security:-$mirror-security} $suite-security main")
hooks=(
  "copy-in $here/image/vm-command /usr/local/sbin"
  "copy-in $here/image/vm-command.service /etc/systemd/system"
  'chroot "$1" systemctl enable vm-command.service'
  'chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service'
  'echo systemd-guest > "$1/etc/hostname"; echo "/dev/vda / ext4 rw 0 1" > "$1/etc/fstab"'
)
key=$(cat "$here"/image/* <(printf '%s\n' "$suite" "$packages" "${sources[@]}" "${hooks[@]//$here/}") | sha256sum | cut -c1-12)
dir=$cache/$suite-$key
if [[ ! -f $dir/.complete ]]; then
  command -v mmdebstrap >/dev/null || { echo "rootfs: mmdebstrap not found (bash scripts/deps.sh systemd)" >&2; exit 1; }
  echo "rootfs: building the $suite image (mmdebstrap, a few minutes)" >&2
  rm -rf "$dir" && mkdir -p "$dir/root"
  mmdebstrap --mode=root --variant=minbase --include="$packages" "${hooks[@]/#/--customize-hook=}" \
    "$suite" "$dir/root" "${sources[@]}" >"$dir/mmdebstrap.log" 2>&1 ||
    { echo "rootfs: mmdebstrap failed: $(tail -5 "$dir/mmdebstrap.log")" >&2; exit 1; }
  cp "$(ls "$dir"/root/boot/vmlinuz-* | sort -V | tail -1)" "$dir/vmlinuz"
  cp "$(ls "$dir"/root/boot/initrd.img-* | sort -V | tail -1)" "$dir/initrd.img"
  rm -f "$dir"/root/var/cache/apt/*.bin "$dir"/root/var/lib/apt/lists/*_Packages
  mkfs.ext4 -q -F -L root -d "$dir/root" "$dir/root.img" 3G >&2 # it prints "Creating regular file" on stdout, which carries the paths
  rm -rf "$dir/root"
  touch "$dir/.complete"
  find "$cache" -maxdepth 1 -name "$suite-*" ! -name "$suite-$key" -exec rm -rf {} +
fi
echo "$dir/vmlinuz $dir/initrd.img $dir/root.img"
