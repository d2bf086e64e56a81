#!/usr/bin/env bash
# Mounts what the BPF probes need when the init system did not: tracefs (libbpf reads tracepoint
# ids from it) and bpffs. systemd mounts both at boot; a minimal VM or container may not.
set -euo pipefail
if [[ ! -e /sys/kernel/tracing/events && ! -e /sys/kernel/debug/tracing/events ]]; then
  [[ $(id -u) == 0 ]] || { echo "mounts.sh: tracefs is not mounted and mounting it needs root: mount -t tracefs tracefs /sys/kernel/tracing" >&2; exit 5; }
  mount -t tracefs tracefs /sys/kernel/tracing && echo "mounts.sh: mounted tracefs on /sys/kernel/tracing" >&2
fi
if [[ -d /sys/fs/bpf ]] && ! mountpoint -q /sys/fs/bpf && [[ $(id -u) == 0 ]]; then
  mount -t bpf bpf /sys/fs/bpf && echo "mounts.sh: mounted bpffs on /sys/fs/bpf" >&2
fi
