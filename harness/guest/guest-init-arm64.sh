#!/bin/sh
# PID 1 in the arm64 guest, run by the initramfs's /init (prepare-arm64.sh) from the host root:
# busybox is /bin, the arm64 userland (mounted at /sysroot) is /usr, /lib and /opt, the host
# root is /host (read-only, x86: only its files are used). This makes the checkout, the output
# share and the node_modules the checkout uses visible at their host paths, puts koffi's arm64
# prebuilt where koffi looks for it, makes the writable and kernel file systems, runs the command
# the host wrote to $vm_out/cmd.sh, prints its exit status as a marker line, and powers off.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8
arg() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
out=$(arg vm_out)
cwd=$(arg vm_cwd)
mount -t tmpfs run /run 2>/dev/null || { mkdir -p /run && mount -t tmpfs run /run; }
mount -t tmpfs tmp /tmp
# the top directory of each host path the guest needs (two levels under /tmp), bound from /host
bind_top() {
  p=$1
  case $p in
    /tmp/?*) top=$(echo "$p" | cut -d/ -f1-3) ;;
    /?*) top=$(echo "$p" | cut -d/ -f1-2) ;;
    *) return ;;
  esac
  case $top in /|/bin|/lib|/usr|/opt|/proc|/sys|/dev|/run|/etc|/tmp|/host|/sysroot) return ;; esac
  if ! grep -q " $top " /proc/mounts; then
    mkdir -p "$top" && mount --bind "/host$top" "$top"
  fi
}
bind_top "$cwd"
# $out may sit behind a symlink (a worktree's .cache), node_modules too: bind their real tops
bind_top "$out"
bind_top "$(readlink -f "/host$out" | sed 's|^/host||')"
modules=$(readlink -f "/host$cwd/node_modules" | sed 's|^/host||')
bind_top "$modules"
# koffi looks for its native module in node_modules/@koromix/koffi-linux-<arch>
if [ -d "$modules/@koromix" ]; then mount -t tmpfs koromix "$modules/@koromix" && cp -a /opt/koromix/. "$modules/@koromix/"
else echo "guest-init: no $modules/@koromix for koffi's arm64 module"; fi
# the rest is the same on both architectures
. "$(dirname "$0")/guest-common.sh"
