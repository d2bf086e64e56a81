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
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmout "$out" || echo "guest-init: cannot mount the output share"
# negative dentries are not kept on tmpfs: workloads get a real file system
mkdir -p /tmp/scratch
mount -t ext4 /dev/vda /tmp/scratch || echo "guest-init: cannot mount the scratch disk"
export VM_SCRATCH=/tmp/scratch VM_OUT="$out"
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then
  ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2
fi
cd "$cwd" 2>/dev/null || cd /
echo "@@VM-START $(cut -d' ' -f1 /proc/uptime)"
sh "$out/cmd.sh" </dev/null
status=$?
echo "@@VM-EXIT $status"
sync
echo o >/proc/sysrq-trigger
# with panic=-1 and -no-reboot, qemu exits whatever happens after this
while :; do read -r _ </dev/console; done
