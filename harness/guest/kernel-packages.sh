# Sourced. Finding a Debian kernel package, one way for every script that fetches kernels
# (prepare-kernel.sh, prepare-arm64.sh, test/bpf/kernel-btf.sh). Uses APT (apt-get/apt-cache
# options of a private apt state; empty for the host's own lists).
#   kernel_packages <pattern>   the packages a pattern names, the newest first: a glob
#                               ('linux-image-6.12.*-amd64-unsigned') matches names, skipping the rt,
#                               cloud, 16k-page and debug flavours; a name is itself, or the image a
#                               metapackage ('linux-image-amd64') depends on
#   kernel_image_packages <pkg> what to download for its boot image and modules: the package, and
#                               from 7.x its linux-binary-* and linux-modules-* parts
kernel_packages() {
  local pattern=$1 dep
  if [[ $pattern == *'*'* ]]; then
    apt-cache "${APT[@]}" search --names-only "^${pattern//\*/.*}\$" | awk '{print $1}' |
      grep -v -e '-rt-' -e '-cloud-' -e '-16k-' -e '-dbg$' | sort -rV || true
    return 0
  fi
  dep=$(apt-cache "${APT[@]}" depends "$pattern" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}' || true)
  if [[ -n $dep ]]; then echo "$dep"; elif apt-cache "${APT[@]}" show "$pattern" >/dev/null 2>&1; then echo "$pattern"; fi
}

kernel_image_packages() {
  echo "$1"
  apt-cache "${APT[@]}" show "$1" 2>/dev/null | sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' | awk '{print $1}' | grep -E '^linux-(binary|modules)-' || true
}
