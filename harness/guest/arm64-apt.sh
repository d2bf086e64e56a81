# Sourced. A private apt state for arm64 in <dir>: its own package lists, no dpkg status, the host's
# sources and keys. The host's dpkg is not touched (no dpkg --add-architecture), nothing is
# installed: apt-get download and apt-cache only. Used by prepare-arm64.sh (the arm64 guest) and
# bpf/vmlinux/generate.sh (the arm64 vmlinux.h).
#   arm64_apt_state <dir>   sets APT, the options to pass to apt-get/apt-cache, and refreshes the
#                           lists when missing or a week old (the archive drops superseded versions)
#   arm64_apt_update        refreshes them now
arm64_apt_state() {
  ARM64_APT_DIR=$1
  mkdir -p "$ARM64_APT_DIR"/{lists/partial,cache/archives/partial,state}
  touch "$ARM64_APT_DIR/state/status"
  APT=(-o "Dir::State=$ARM64_APT_DIR/state" -o "Dir::State::Lists=$ARM64_APT_DIR/lists" -o "Dir::State::status=$ARM64_APT_DIR/state/status"
    -o "Dir::Cache=$ARM64_APT_DIR/cache" -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1
    -o APT::Sandbox::User=root)
  if ! ls "$ARM64_APT_DIR"/lists/*_binary-arm64_Packages* >/dev/null 2>&1 || [[ -n $(find "$ARM64_APT_DIR/lists" -maxdepth 1 -name '*_Packages*' -mtime +7 | head -1) ]]; then
    arm64_apt_update
  fi
}

arm64_apt_update() {
  echo "apt-get update (arm64 lists in $ARM64_APT_DIR)" >&2
  apt-get "${APT[@]}" update -qq >"$ARM64_APT_DIR/update.log" 2>&1 || { echo "apt-get update failed: $(tail -3 "$ARM64_APT_DIR/update.log")" >&2; return 1; }
}
