# Sourced by guest-init.sh and guest-init-arm64.sh once the paths the guest needs are visible
# ($out: the output share's path, $cwd: the command's directory): the kernel and writable file
# systems, the scratch disk, the network, then the command the host wrote to $out/cmd.sh, its
# exit status as a marker line for the host, and power off.
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
