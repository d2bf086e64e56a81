#!/usr/bin/env bash
# One command to run every test on a fresh Debian machine (as root). Installs what it needs.
#   bash scripts/test.sh            unit, verifier, daemon, rules and guest (e2e) tests, x86 and arm64
#   E2E=0 bash scripts/test.sh      everything but the qemu guests (and the bench smoke)
#   E2E_ARCH=x86 bash scripts/test.sh   the x86 guests only (E2E_ARCH=arm64: the arm64 ones only)
#   BENCH=0 bash scripts/test.sh    skip the benchmark smoke run (npm run bench -- --short)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh runtime test
npm ci --no-audit --no-fund --loglevel=error
npm test
if [[ "${E2E:-1}" != 0 ]]; then
  bash scripts/deps.sh e2e arm64
  E2E_ARCH=${E2E_ARCH:-all} npm run test:e2e
  # a short run of every benchmark, so the bench cannot rot; it fails on load errors, not on timings
  if [[ "${BENCH:-1}" != 0 ]]; then npm run bench --silent -- --short; fi
fi
