#!/usr/bin/env bash
# One command to run every test on a fresh Debian machine (as root). Installs what it needs.
#   bash scripts/test.sh            unit, verifier, daemon, rules and the x86 guest (e2e) tests
#   E2E=0 bash scripts/test.sh      everything but the qemu guests (and the bench smoke)
#   E2E_ARCH=all bash scripts/test.sh   x86 and arm64 guests (E2E_ARCH=arm64: the arm64 ones only);
#                                   arm64 is a separate job, not CI's: see docs/arm64.md
#   BENCH=0 bash scripts/test.sh    skip the benchmark smoke run (npm run bench -- --short)
#   SYSTEMD_E2E=0 bash scripts/test.sh  skip the amd64 package build and its Debian 12 systemd guest
#                                   (npm run package -- amd64, npm run test:systemd; docs/packaging.md)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh runtime test
# the host tests attach tracepoints; the test that needs tracefs absent unmounts it in its own namespace
bash scripts/mounts.sh
npm ci --no-audit --no-fund --loglevel=error
npm test
systemd_e2e=0
[[ "${E2E:-1}" == 0 || "${SYSTEMD_E2E:-1}" == 0 ]] || systemd_e2e=1
if [[ $systemd_e2e == 1 ]]; then
  bash scripts/deps.sh package systemd
  # the Debian 12 image (mmdebstrap: mostly downloads and unpacking) builds while the guests run;
  # test:systemd finds it in the cache
  mkdir -p .cache
  bash test/systemd-guest/rootfs.sh .cache/systemd-guest bookworm amd64 > .cache/systemd-rootfs.log 2>&1 &
  rootfs_pid=$!
fi
if [[ "${E2E:-1}" != 0 ]]; then
  arch=${E2E_ARCH:-x86}
  if [[ $arch == x86 ]]; then bash scripts/deps.sh e2e bench; else bash scripts/deps.sh e2e arm64 bench; fi
  E2E_ARCH=$arch npm run test:e2e
  # a short run of every benchmark, so the bench cannot rot; it fails on load errors, not on timings
  if [[ "${BENCH:-1}" != 0 ]]; then npm run bench --silent -- --short; fi
fi
if [[ $systemd_e2e == 1 ]]; then
  wait "$rootfs_pid" || { cat .cache/systemd-rootfs.log >&2; echo "test.sh: the systemd guest's image did not build" >&2; exit 1; }
  npm run package --silent -- amd64
  npm run test:systemd
fi
