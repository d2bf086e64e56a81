#!/bin/sh
# fsnotify-exporter as packaged: the bundled Node 20 runs the app; the bundled libbpf 1.x is used
# only when the host has no libbpf.so.1 (Debian 11's is libbpf.so.0) and LIBBPF_PATH is unset.
set -e
dir=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ -z "${LIBBPF_PATH:-}" ] && ! /sbin/ldconfig -p 2>/dev/null | grep -q '^[[:space:]]*libbpf\.so\.1 '; then
  LIBBPF_PATH=$dir/lib/libbpf.so.1
  export LIBBPF_PATH
fi
# V8 heap limits: 4 MB semi-spaces and a 96 MB old space keep RSS near 80 MB under scrape load
# (unbounded V8 grows to ~160 MB; docs/benchmarks.md); the daemon's own data is bounded
# (--top-directories <= 2000), so the limit is never reached by design. 4 rather than 2 MB: a
# scrape leaves ~0.4 MB of garbage, and half as many young-generation GCs land in scrapes.
exec "$dir/node/bin/node" --max-semi-space-size=4 --max-old-space-size=96 "$dir/app/dist/src/main.js" "$@"
