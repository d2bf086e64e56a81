#!/bin/sh
# In the systemd guest, as root: install the package, run it as a systemd service, and report
# what the host asserts as "@@ <key> <value>" lines (systemd.test.ts). Nothing is asserted here.
#   usage: checks.sh <package.deb>
set -u
deb=$1
unit=fsnotify-exporter
url=http://127.0.0.1:9717
ours='name (walk_|parent_entry|lock_wait_|lock_contention_|watch_)'
say() { echo "@@ $*"; }
curl() { command curl --max-time 10 "$@"; }
ms() { date +%s%3N; }
# waits (up to 5 min: TCG is slow to load BPF) until the URL answers 200; prints the
# milliseconds since $1, or "timeout"
wait_ok() {
  while [ $(($(ms) - $1)) -lt 300000 ]; do
    curl -sf -o /dev/null "$2" && { echo $(($(ms) - $1)); return 0; }
    sleep 0.1
  done
  echo timeout
}
# wait_ok for /readyz, or "refused" as soon as it names the perf_event_paranoid refusal
wait_ready() {
  while [ $(($(ms) - $1)) -lt 300000 ]; do
    rm -f /tmp/readyz # curl leaves the last body when the port is closed (a restart)
    [ "$(curl -s -o /tmp/readyz -w '%{http_code}' $url/readyz)" = 200 ] && { echo $(($(ms) - $1)); return 0; }
    grep -q perf_event_paranoid /tmp/readyz 2>/dev/null && { echo refused; return 0; }
    sleep 0.1
  done
  echo timeout
}
# this instance's journal only (a refused first start logs errors that are not this one's)
journal() { journalctl _SYSTEMD_INVOCATION_ID="$(systemctl show -p InvocationID --value $unit)" --no-pager "$@"; }
prog_ids() { bpftool prog show 2>/dev/null | grep -E "$ours" | cut -d: -f1 | sort -n | paste -sd, -; }
# what of ours is in the kernel: programs, links to them, kprobe events
leftovers() {
  ids=$(prog_ids)
  links=0
  for id in $(echo "$ids" | tr , ' '); do
    links=$((links + $(bpftool link show 2>/dev/null | grep -cE "prog $id\$|prog $id ")))
  done
  kp=$(cat /sys/kernel/tracing/kprobe_events 2>/dev/null | grep -cE 'fsnotify|walk_|watch_')
  echo "progs=${ids:-none} links=$links kprobe_events=$kp"
}
snapshot() { # the files a package could leave behind
  find /etc /usr /lib /opt /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/systemd/timers \
    -o -path /var/lib/systemd/random-seed -o -path /var/lib/systemd/catalog -o -path /var/lib/systemd/coredump \) -prune -o -print | sort
}
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
say kernel "$(uname -r)"
say debian "$(cat /etc/debian_version)"
say host_node "$(command -v node || echo none)"
say host_libbpf "$(/sbin/ldconfig -p | grep -o 'libbpf\.so\.[0-9]*' | sort -u | paste -sd, - || true)"
snapshot > /tmp/before
say package_bytes "$(stat -c %s "$deb")"
t=$(ms); dpkg -i "$deb" > /tmp/dpkg.log 2>&1; rc=$?
say install_rc $rc
say install_ms $(($(ms) - t))
[ $rc = 0 ] || sed 's/^/dpkg: /' /tmp/dpkg.log
say installed_kb "$(dpkg-query -W -f='${Installed-Size}' fsnotify-exporter)"
say enabled_after_install "$(systemctl is-enabled $unit 2>&1)"
say active_after_install "$(systemctl is-active $unit 2>&1)"
fsnotify-exporter --version | sed 's/^/@@ version /'

t=$(ms); timeout 120 systemctl enable --now $unit > /dev/null 2>&1
say serving_ms "$(wait_ok "$t" $url/healthz)"
ready=$(wait_ready "$t")
if [ "$ready" = refused ]; then
  # no fentry (arm64 6.1): kprobes need perf_event_open, which Debian's perf_event_paranoid=3
  # reserves to CAP_SYS_ADMIN; apply docs/packaging.md's fix as an operator would, then go on
  say paranoid_refused "$(head -c 300 /tmp/readyz)"
  say paranoid_journal "$(journalctl -u $unit --no-pager -o cat | grep -c perf_event_paranoid)"
  echo 'kernel.perf_event_paranoid = 2' > /etc/sysctl.d/60-fsnotify-exporter.conf
  sysctl -q -p /etc/sysctl.d/60-fsnotify-exporter.conf
  t=$(ms); timeout 120 systemctl restart $unit
  ready=$(wait_ready "$t")
fi
say ready_ms "$ready"
say active "$(systemctl is-active $unit)"
pid=$(systemctl show -p MainPID --value $unit)
say main_pid "$pid"
say cap_eff "$(awk '/^CapEff/{print $2}' /proc/"$pid"/status 2>/dev/null)"
say libbpf_path "$(tr '\0' '\n' < /proc/"$pid"/environ 2>/dev/null | sed -n 's/^LIBBPF_PATH=//p')"
say libbpf_mapped "$(grep -o '/[^ ]*libbpf\.so[.0-9]*' /proc/"$pid"/maps 2>/dev/null | sort -u | paste -sd, -)"
# one watch add on a directory with children: a walk
mkdir -p /var/tmp/w && for i in 1 2 3 4 5 6 7 8; do : > /var/tmp/w/f$i; done
timeout 2 tail -F /var/tmp/w/f1 > /dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null $url/metrics; done
sleep 2
curl -s $url/metrics > /tmp/metrics
grep -E '^fsnotify_exporter_probe_attached\{' /tmp/metrics | sed 's/^/@@ metric /'
grep -E '^fsnotify_walks_total\{' /tmp/metrics | sed 's/^/@@ metric /'
say series "$(grep -vc '^#' /tmp/metrics)"
say rss_kb "$(awk '/^VmRSS/{print $2}' /proc/"$pid"/status)"
say memory_current "$(systemctl show -p MemoryCurrent --value $unit)"
say journal_lines "$(journal -o cat | wc -l)"
journal -o cat | grep -m1 '"msg":"fsnotify-exporter ready"' | cut -c1-300 | sed 's/^/@@ journal_ready /'
journal -o cat | grep -E '"level":(50|60)|^fsnotify-exporter: ' | head -5 | cut -c1-300 | sed 's/^/@@ journal_error /'
journal -o short-monotonic | head -40 | cut -c1-400 | sed 's/^/@@ journal /'
say security "$(systemd-analyze security $unit 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
say leftovers_running "$(leftovers)"

before=$(prog_ids)
t=$(ms); timeout 120 systemctl restart $unit
say restart_ready_ms "$(wait_ok "$t" $url/readyz)"
after=$(prog_ids)
say progs_before_restart "${before:-none}"
say progs_after_restart "${after:-none}"

pid=$(systemctl show -p MainPID --value $unit)
before=$(prog_ids)
t=$(ms); kill -9 "$pid"
# RestartSec=5s: a new main PID, then ready
i=0; while [ $i -lt 300 ]; do
  new=$(systemctl show -p MainPID --value $unit); [ "$new" != 0 ] && [ "$new" != "$pid" ] && break
  sleep 0.1; i=$((i + 1))
done
say kill9_new_pid "$new"
say kill9_ready_ms "$(wait_ok "$t" $url/readyz)"
say kill9_result "$(systemctl show -p NRestarts --value $unit) restarts"
say progs_before_kill9 "${before:-none}"
say progs_after_kill9 "$(prog_ids | sed 's/^$/none/')"

timeout 120 systemctl stop $unit
say active_after_stop "$(systemctl is-active $unit)"
say leftovers_stopped "$(leftovers)"

t=$(ms); dpkg --purge fsnotify-exporter > /tmp/dpkg.log 2>&1; rc=$?
say purge_rc $rc
say purge_ms $(($(ms) - t))
[ $rc = 0 ] || sed 's/^/dpkg: /' /tmp/dpkg.log
say unit_after_purge "$(systemctl cat $unit > /dev/null 2>&1 && echo present || echo gone)"
rm -f /etc/sysctl.d/60-fsnotify-exporter.conf # the operator's fix above, not the package's
snapshot > /tmp/after
say purge_leftover_files "$(diff /tmp/before /tmp/after | grep '^[<>]' | paste -sd' ' - | sed 's/^$/none/')"
say leftovers_purged "$(leftovers)"
