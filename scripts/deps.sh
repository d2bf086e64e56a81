#!/usr/bin/env bash
# Installs what fsnotify-exporter needs from Debian, idempotently: only missing packages, and
# `apt-get update` only when something is missing. Groups: runtime, build, test, e2e, arm64,
# package (npm run package), systemd (the systemd guest: npm run test:systemd), systemd-arm64
# (its arm64 image, built under qemu-user: SYSTEMD_SUITES=bookworm:arm64) and bench (npm run
# bench's host side; its guests need e2e).
# (arm64: the arm64 guest's host side; its arm64 packages are fetched by harness/guest/prepare-arm64.sh)
#   bash scripts/deps.sh runtime test
set -euo pipefail
declare -A PKG_GROUPS=(
  [runtime]="libbpf1"
  [build]="clang llvm libbpf-dev bpftool"
  [test]="clang llvm libbpf-dev bpftool bpftrace prometheus openssl systemd inotify-tools python3 zstd chromium curl jq"
  [e2e]="qemu-system-x86 busybox-static bpftrace bpftool e2fsprogs cpio kmod xz-utils zstd iproute2 python3 prometheus wrk"
  [arm64]="qemu-system-arm e2fsprogs cpio kmod xz-utils"
  [package]="binutils xz-utils"
  [systemd]="mmdebstrap qemu-system-x86 e2fsprogs"
  [systemd-arm64]="mmdebstrap arch-test qemu-system-arm qemu-user-static e2fsprogs"
  # node_exporter: the peer the bench runs side by side, as a child process; never as a service
  # binutils: nm and readelf for bench/node-pages.ts
  [bench]="wrk bpftool python3 prometheus-node-exporter binutils"
)
want=()
for g in "${@:-runtime}"; do
  [[ -n "${PKG_GROUPS[$g]:-}" ]] || { echo "deps.sh: unknown group '$g' (runtime, build, test, e2e, arm64, package, systemd, systemd-arm64, bench)" >&2; exit 2; }
  # shellcheck disable=SC2206
  want+=(${PKG_GROUPS[$g]})
done
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "deps.sh: missing packages ${missing[*]}: run as root" >&2; exit 5; }
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # a package's service (node_exporter's) is neither started now (policy-rc.d) nor enabled after
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ((own_policy)) && rm -f "$policy"
  if [[ " ${missing[*]} " == *" prometheus-node-exporter "* ]]; then
    systemctl disable prometheus-node-exporter.service >/dev/null 2>&1 || rm -f /etc/systemd/system/multi-user.target.wants/prometheus-node-exporter.service
  fi
fi
if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "deps.sh: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 7
fi
