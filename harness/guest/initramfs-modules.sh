# Sourced by prepare-kernel.sh and prepare-arm64.sh: the kernel modules an initramfs needs.
#   initramfs_modules MODS DEST NAME...   copies each NAME and the modules it depends on (from
#                                         MODS/modules.dep, run depmod first) into DEST,
#                                         decompressed, and lists them in load order in DEST/order
initramfs_modules() {
  local mods=$1 dest=$2 rel base m
  shift 2
  declare -A seen=()
  local order=()
  resolve() {
    local m=$1 line dep
    [[ -n ${seen[$m]:-} ]] && return
    seen[$m]=1
    line=$(grep -E "(^|/)${m//_/[_-]}\.ko(\.[a-z]+)?:" "$mods/modules.dep" | head -1) || true
    [[ -n $line ]] || return 0 # built in
    for dep in ${line#*:}; do resolve "$(basename "${dep%%.ko*}")"; done
    order+=("${line%%:*}")
  }
  for m in "$@"; do resolve "$m"; done
  mkdir -p "$dest"
  : > "$dest/order"
  for rel in "${order[@]}"; do
    base=$(basename "$rel"); base=${base%%.ko*}.ko
    case $rel in
      *.xz) xz -dc "$mods/$rel" > "$dest/$base" ;;
      *.zst) zstd -qdc "$mods/$rel" > "$dest/$base" ;;
      *.gz) gzip -dc "$mods/$rel" > "$dest/$base" ;;
      *) cp "$mods/$rel" "$dest/$base" ;;
    esac
    echo "$base" >> "$dest/order"
  done
}
