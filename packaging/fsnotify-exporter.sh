#!/bin/sh
# fsnotify-exporter as packaged: the bundled Node 20 runs the app; the bundled libbpf 1.x is used
# only when the host has no libbpf.so.1 (Debian 11's is libbpf.so.0) and LIBBPF_PATH is unset.
set -e
dir=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ -z "${LIBBPF_PATH:-}" ] && ! /sbin/ldconfig -p 2>/dev/null | grep -q '^[[:space:]]*libbpf\.so\.1 '; then
  LIBBPF_PATH=$dir/lib/libbpf.so.1
  export LIBBPF_PATH
fi
# V8: 2 MB semi-spaces and a 96 MB old space bound RSS under scrape load (unbounded V8 grows to
# ~160 MB; docs/benchmarks.md); the daemon's own data is bounded (--top-directories <= 2000), so
# the limit is never reached by design. 2 rather than 4 MB semi-spaces: ~7 MB less RSS for the same
# scrape CPU now that a scrape makes no string per directory; 1 MB cost ~20% more CPU per scrape at
# 10,000 series. One V8 worker thread rather than 4: ~2 MB less (a malloc arena and stack each),
# no measurable scrape cost on a heap this small. --lite-mode and --no-opt save 4-10 MB more but
# make a 10,000-series scrape 6-10 times slower (docs/benchmark-findings.md).
# No allocation-site pretenuring: V8 saw a scrape's objects alive at a scavenge in the middle of
# the scrape and from then on allocated them in the old generation, as garbage a mark-compact had to
# collect: at 10,000 series one every 12 scrapes, none without it, ~5 MB less RSS and no more CPU
# per scrape (docs/benchmark-findings.md).
# glibc: 2 malloc arenas rather than 8 per core for the few threads that allocate (main, the one
# V8 worker, libuv's pool): ~0.8 MB less idle RSS, no contention at this thread count (docs/benchmark-findings.md)
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
export MALLOC_ARENA_MAX
# node reads NODE_EXTRA_CA_CERTS' bundle into a certificate store at start and keeps it (~1.7 MB of
# RSS for Debian's bundle); the daemon opens no TLS connection and checks client certificates
# against web-config's client_ca_file only, so a host-wide setting is dropped (docs/benchmark-findings.md)
unset NODE_EXTRA_CA_CERTS
exec "$dir/node/bin/node" --max-semi-space-size=2 --max-old-space-size=96 --v8-pool-size=1 --no-allocation-site-pretenuring "$dir/app/dist/bundle/main.js" "$@"
