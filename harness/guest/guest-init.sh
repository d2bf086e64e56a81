#!/bin/sh
# PID 1 in the guest: the host root is mounted read-only over 9p; this makes the writable and
# kernel file systems, runs the command the host wrote to $vm_out/cmd.sh, prints its exit status
# as a marker line for the host, and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
arg() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
out=$(arg vm_out)
cwd=$(arg vm_cwd)
mount -t tmpfs run /run
# /tmp becomes a tmpfs; a checkout that lives under the host's /tmp stays visible through a bind
mkdir -p /run/hosttmp && mount --bind /tmp /run/hosttmp
mount -t tmpfs tmp /tmp
for p in "$cwd" "$out"; do
  case $p in
    /tmp/?*)
      top=$(echo "$p" | cut -d/ -f1-3)
      if [ ! -d "$top" ]; then mkdir -p "$top" && mount --bind "/run/hosttmp/${top#/tmp/}" "$top"; fi
      ;;
  esac
done
# the rest is the same on both architectures
. "$(dirname "$0")/guest-common.sh"
