#!/usr/bin/env bash
# The hash of everything an object is built from; build.sh records it, the freshness test recomputes it.
set -euo pipefail
cd "$(dirname "$0")"
sha256sum build.sh fsnotify.bpf.c fsnotify.h bits.bpf.h vmlinux/x86/vmlinux.h vmlinux/arm64/vmlinux.h | sha256sum | cut -d' ' -f1
