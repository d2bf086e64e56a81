# Sourced. A private apt state for another Debian suite and/or architecture in <dir>: its own
# sources (the host's mirrors with the suite swapped), lists and cache, no dpkg status. Nothing is
# installed and the host's dpkg is not touched: apt-get download and apt-cache only.
#   suite_apt_state <dir> <arch> <suite>...   sets APT (options for apt-get/apt-cache); refreshes
#                                             the lists when missing or a week old
#   suite: bullseye, bullseye-security, trixie, trixie-backports, ... (a "-security" suite is
#   looked up on the host's security mirror, the others on its main one)
suite_apt_state() {
  SUITE_APT_DIR=$(realpath -m "$1")
  local arch=$2
  shift 2
  mkdir -p "$SUITE_APT_DIR"/{lists/partial,cache/archives/partial,state,etc/parts}
  touch "$SUITE_APT_DIR/state/status"
  local main security s
  main=$(suite_apt_uri '[^y]$')
  security=$(suite_apt_uri 'security$')
  [[ -n $main ]] || { echo "suite-apt: no Debian mirror in the host's apt sources" >&2; return 1; }
  : >"$SUITE_APT_DIR/etc/sources.list"
  for s in "$@"; do
    if [[ $s == *-security ]]; then echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${security:-$main-security} $s main"
    else echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $main $s main"; fi
  done >"$SUITE_APT_DIR/etc/sources.list"
  APT=(-o "Dir::State=$SUITE_APT_DIR/state" -o "Dir::State::Lists=$SUITE_APT_DIR/lists" -o "Dir::State::status=$SUITE_APT_DIR/state/status"
    -o "Dir::Cache=$SUITE_APT_DIR/cache" -o "Dir::Etc::SourceList=$SUITE_APT_DIR/etc/sources.list" -o "Dir::Etc::SourceParts=$SUITE_APT_DIR/etc/parts"
    -o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o Debug::NoLocking=1 -o APT::Sandbox::User=root
    -o Acquire::Check-Valid-Until=false)
  if ! ls "$SUITE_APT_DIR"/lists/*_Packages* >/dev/null 2>&1 || [[ -n $(find "$SUITE_APT_DIR/lists" -maxdepth 1 -name '*_Packages*' -mtime +7 | head -1) ]]; then
    echo "apt-get update ($* $arch lists in $SUITE_APT_DIR)" >&2
    apt-get "${APT[@]}" update -qq >"$SUITE_APT_DIR/update.log" 2>&1 || { echo "suite-apt: apt-get update failed: $(tail -3 "$SUITE_APT_DIR/update.log")" >&2; return 1; }
  fi
}

# The first URI of the host's Debian sources whose suite matches <regex> (deb822 or one-line).
suite_apt_uri() {
  local re=$1
  {
    awk '/^URIs:/{u=$2} /^Suites:/{for(i=2;i<=NF;i++) print u, $i}' /etc/apt/sources.list.d/*.sources 2>/dev/null
    awk '$1=="deb"{for(i=2;i<=NF;i++) if($i !~ /^\[/){print $i, $(i+1); break}}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | awk -v re="$re" '$2 ~ /^[a-z]+(-[a-z]+)?$/ && $2 ~ re {print $1; exit}' || true # a missing sources file is no error under set -e
}
