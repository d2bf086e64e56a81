#!/usr/bin/env bash
# The Depends field for a tree: every ELF file's NEEDED libraries mapped to Debian packages, with
# the minimum versions their versioned symbols ask for (GLIBC_x, GLIBCXX_x). libelf1 and zlib1g
# take the bundled libbpf1's own constraints. An unknown library fails the build.
#   usage: depends.sh <root> <libbpf1-control-file>
set -euo pipefail
root=$1 control=$2
declare -A need=()
glibc=0 glibcxx=0
while IFS= read -r -d '' f; do
  [[ $(head -c4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] || continue
  for l in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do need[$l]=1; done
  v=$(readelf -VW "$f" | grep -o 'Name: GLIBC_[0-9.]*' | sed 's/.*_//' | sort -V | tail -1 || true)
  [[ -z $v ]] || glibc=$(printf '%s\n' "$glibc" "$v" | sort -V | tail -1)
  v=$(readelf -VW "$f" | grep -o 'Name: GLIBCXX_[0-9.]*' | sed 's/.*_//' | sort -V | tail -1 || true)
  [[ -z $v ]] || glibcxx=$(printf '%s\n' "$glibcxx" "$v" | sort -V | tail -1)
done < <(find "$root" -type f -print0)
from_libbpf() { sed -n 's/^Depends: //p' "$control" | tr ',' '\n' | sed 's/^ *//' | grep "^$1 "; }
# the GCC release that first shipped a libstdc++ symbol version
gcc_for() { case $1 in 3.4.2[0-1]) echo 5 ;; 3.4.2[2-4]) echo 7 ;; 3.4.25) echo 8 ;; 3.4.2[6-7]) echo 9 ;; 3.4.28) echo 10 ;; *) echo 12 ;; esac; }
deps=()
for l in "${!need[@]}"; do
  case $l in
    libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | ld-linux-*.so.*) deps+=("libc6 (>= $glibc)") ;;
    libstdc++.so.6) deps+=("libstdc++6 (>= $(gcc_for "$glibcxx"))") ;;
    libgcc_s.so.1) deps+=("libgcc-s1") ;;
    libelf.so.1) deps+=("$(from_libbpf libelf1)") ;;
    libz.so.1) deps+=("$(from_libbpf zlib1g)") ;;
    *) echo "depends: no Debian package known for $l" >&2; exit 1 ;;
  esac
done
printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
