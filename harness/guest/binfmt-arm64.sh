#!/usr/bin/env bash
# Registers qemu-user-static's aarch64 handler with binfmt_misc (F: the interpreter is opened now,
# so it also runs inside chroots), mounting binfmt_misc first if needed. Idempotent; as root.
set -euo pipefail
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && exit 0
[[ -f $conf ]] || { echo "binfmt-arm64: $conf missing (bash scripts/deps.sh systemd-arm64)" >&2; exit 1; }
[[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
cat "$conf" > /proc/sys/fs/binfmt_misc/register
