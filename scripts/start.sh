#!/usr/bin/env bash
# One command to run the daemon from a checkout on a fresh Debian machine (as root):
#   sudo bash scripts/start.sh [flags]      e.g. --web.listen-address=:9717
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh runtime
bash scripts/mounts.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
# the same V8 heap limits, malloc arenas and environment as the packaged wrapper, packaging/fsnotify-exporter.sh
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
unset NODE_EXTRA_CA_CERTS
exec node --max-semi-space-size=2 --max-old-space-size=96 --v8-pool-size=1 --no-allocation-site-pretenuring dist/bundle/main.js "$@"
