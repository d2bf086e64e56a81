# Sourced by build.sh. Downloads into $PKG_CACHE once per version: the npm registry's Node binary
# package and koffi's prebuilt for an architecture, and Debian bookworm's libbpf1.
#   fetch_node <debarch> <version>     prints the path of the unpacked node package
#   fetch_koffi <debarch> <version>    prints the path of the unpacked @koromix/koffi-linux-* package
#   fetch_libbpf <debarch>             prints the path of a directory with libbpf.so.1 and DEBIAN/control
declare -A NODE_ARCH=([amd64]=x64 [arm64]=arm64)

npm_unpacked() { # <spec> <dir-name>
  local dir=$PKG_CACHE/$2
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent --loglevel=error "$1" >/dev/null && tar -xzf ./*.tgz --strip-components=1 && rm ./*.tgz) ||
      { echo "package: npm pack $1 failed" >&2; return 1; }
    touch "$dir/.complete"
  fi
  echo "$dir"
}

fetch_node() { npm_unpacked "node-linux-${NODE_ARCH[$1]}@$2" "node-linux-${NODE_ARCH[$1]}-$2"; }
fetch_koffi() { npm_unpacked "@koromix/koffi-linux-${NODE_ARCH[$1]}@$2" "koffi-linux-${NODE_ARCH[$1]}-$2"; }

fetch_libbpf() {
  local apt=() dir
  if [[ $1 == arm64 ]]; then
    # the private arm64 apt state the arm64 guest uses: the host's dpkg is not touched
    # shellcheck source=../harness/guest/arm64-apt.sh
    source harness/guest/arm64-apt.sh
    arm64_apt_state "$PWD/.cache/vm/arm64/apt" >&2 || return 1
    apt=("${APT[@]}")
  fi
  local version
  version=$(apt-cache "${apt[@]}" policy libbpf1 | awk '/Candidate:/{print $2}')
  [[ -n $version && $version != '(none)' ]] || { echo "package: no libbpf1 for $1 (apt-get update?)" >&2; return 1; }
  [[ $version == *:1.* ]] || { echo "package: libbpf1 candidate $version is not 1.x" >&2; return 1; }
  dir=$PKG_CACHE/libbpf1-$1-${version//[:+~]/_}
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir" && mkdir -p "$dir/deb"
    (cd "$dir/deb" && apt-get "${apt[@]}" download "libbpf1=$version" >/dev/null 2>"$dir/apt.err") ||
      { echo "package: apt-get download libbpf1=$version ($1) failed: $(tail -2 "$dir/apt.err")" >&2; return 1; }
    dpkg-deb -x "$dir"/deb/*.deb "$dir/x"
    dpkg-deb -e "$dir"/deb/*.deb "$dir/DEBIAN"
    cp -L "$(find "$dir/x" -name 'libbpf.so.1' | head -1)" "$dir/libbpf.so.1"
    rm -rf "$dir/x" "$dir/deb" "$dir/apt.err"
    touch "$dir/.complete"
  fi
  echo "$dir"
}
