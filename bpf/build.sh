#!/usr/bin/env bash
# Compiles fsnotify.bpf.c into the committed per-arch CO-RE objects and records the hash of
# their sources in SOURCES.sha256 (test/bpf/object-fresh.test.ts fails when an object is stale).
# Needs clang and llvm-strip (apt-get install clang llvm) and libbpf's headers (libbpf-dev).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
STRIP=${LLVM_STRIP:-llvm-strip}
for arch in x86 arm64; do
  "$CLANG" -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_${arch} -Wall -Werror \
    -I "vmlinux/${arch}" -I . -c fsnotify.bpf.c -o "fsnotify.${arch}.bpf.o"
  # keep .BTF/.BTF.ext (CO-RE needs them), drop DWARF
  "$STRIP" -g "fsnotify.${arch}.bpf.o"
done
./sources-hash.sh > SOURCES.sha256
echo "built: $(ls fsnotify.*.bpf.o | tr '\n' ' ')"
