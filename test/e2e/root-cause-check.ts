// What the host asserts on issue 16's guest steps (test/e2e/root-cause.ts runs them): pure, no guest imports.
import { parseProm, type Samples } from '../../harness/prom-text.js';

/** Odd and not round, so a count that matches is no coincidence. */
export const NEG_N = 3517;
export const NEG_COMM = 'negfill3517';
export const OTHER_N = 23;
export const OTHER_COMM = 'otherfill';
export const INOTIFYWAIT_LOOPS = 5;
/** the stalled lookups' cgroup, named as kubelet's systemd driver names a containerd container's */
export const POD_UID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const CONTAINER_ID = 'e2e0c0ffee'.padEnd(64, '7');
export const STALL_CGROUP_PATH = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER_ID}.scope`;
/** the flood step's directory and sizes: a few first (the series exists in Prometheus), then many */
export const FLOOD_PATH = '/rc-flood';
export const FLOOD_COMM = 'flooder';
/** above any directory's negatives that the guest's own lookups make, so it is among the filling top-K at once */
export const FLOOD_SEED = 5003;
/** well over the alert's line in the 2 m window the host queries (33,334 in 2 minutes is a million an hour) */
export const FLOOD_N = 60_013;
export interface RootCauseResults {
  /** paths relative to the scratch file system's root, as the daemon labels them */
  negPath: string;
  otherPath: string;
  loops: number;
  before: string;
  after: string;
  /** GET /api/v1/directories after the steps */
  directories?: unknown[];
  /** the `inotifywait -m` started on negPath before the daemon */
  watcherPid?: number;
}

export interface StallResults {
  /** the cgroup label the daemon gives the stalled lookups (the resolver's path) */
  cgroup: string;
  /** GET /api/v1/directories after the stall; `dirPath`: the stalled directory's path label */
  directories?: unknown[];
  dirPath?: string;
  before: string;
  after: string;
}

/** The sum of `name`'s series whose labels match: a string exactly, a RegExp the label's value. */
function seriesValue(m: Samples, name: string, labels: Record<string, string | RegExp>, pathSuffix?: string): number {
  const has = (series: string, k: string, val: string | RegExp) =>
    typeof val === 'string' ? series.includes(`${k}="${val}"`) : val.test(new RegExp(`[{,]${k}="([^"]*)"`).exec(series)?.[1] ?? '');
  let total = 0;
  for (const [series, v] of m) {
    if (!series.startsWith(`${name}{`)) continue;
    if (pathSuffix && !series.includes(`path="${pathSuffix}"`) && !new RegExp(`path="[^"]*${pathSuffix}"`).test(series)) continue;
    if (Object.entries(labels).every(([k, val]) => has(series, k, val))) total += v;
  }
  return total;
}

/** fsnotify_exporter_bpf_program_misses_total over the creators programs. */
const creatorMisses = (m: Samples): number => seriesValue(m, 'fsnotify_exporter_bpf_program_misses_total', { program: /^creators_/ });

/** Failures (empty: passed) and the numbers, for the host's asserts and the focused guest run. */
export function checkRootCause(r: RootCauseResults, stall?: StallResults & { dir: string }): { failures: string[]; report: Record<string, number> } {
  const failures: string[] = [];
  const [a, b] = [parseProm(r.before), parseProm(r.after)];
  const d = (name: string, labels: Record<string, string>, path?: string) => seriesValue(b, name, labels, path) - seriesValue(a, name, labels, path);
  const negative = d('fsnotify_directory_dentry_creations_total', { kind: 'negative' }, r.negPath);
  const byComm = d('fsnotify_directory_dentry_creators_total', { comm: NEG_COMM, kind: 'negative' }, r.negPath);
  const other = d('fsnotify_directory_dentry_creators_total', { comm: OTHER_COMM, kind: 'negative' }, r.otherPath);
  const adds = d('fsnotify_watch_changes_by_process_total', { comm: 'inotifywait', op: 'add' });
  const removes = d('fsnotify_watch_changes_by_process_total', { comm: 'inotifywait', op: 'remove' });
  // runs of the creators programs the kernel skipped (on a preemptible kernel a kprobe program misses
  // on a CPU where a preempted bpf() syscall holds bpf_prog_active): each is counted, so a creation
  // must be attributed or counted as missed
  const missed = creatorMisses(b) - creatorMisses(a);
  const report: Record<string, number> = { negative, byComm, other, adds, removes, missed };
  if (negative + missed < NEG_N) failures.push(`${r.negPath}: ${negative} negative creations and ${missed} missed runs, ${NEG_N} made`);
  if (byComm < 0.99 * negative || byComm + missed < NEG_N) failures.push(`${r.negPath}: ${byComm} of ${negative} negative creations attributed to ${NEG_COMM} (${missed} missed runs)`);
  if (other + missed < OTHER_N) failures.push(`${r.otherPath}: ${other} negative creations by ${OTHER_COMM} and ${missed} missed runs, ${OTHER_N} made`);
  if (adds < r.loops || removes < r.loops) failures.push(`inotifywait churn: ${adds} adds, ${removes} removes after ${r.loops} one-shot runs`);
  if (r.directories) {
    // the diagnosis of the filled directory: its creator first, the pre-existing watcher by pid
    type Dir = { path: string; negative_creators: Array<{ comm: string; count: number }>; watchers: Array<{ pid: number; comm: string; api: string }>; dentry_creations?: { negative: number } };
    const dir = (r.directories as Dir[]).find((d) => d.path === r.negPath);
    if (!dir) failures.push(`/api/v1/directories: no ${r.negPath} among ${(r.directories as Dir[]).map((d) => d.path).join(', ')}`);
    else {
      report.apiTopCreatorCount = dir.negative_creators[0]?.count ?? 0;
      if (dir.negative_creators[0]?.comm !== NEG_COMM) failures.push(`/api/v1/directories ${r.negPath}: first creator ${JSON.stringify(dir.negative_creators[0])}, not ${NEG_COMM}`);
      if ((dir.negative_creators[0]?.count ?? 0) + missed < NEG_N) failures.push(`/api/v1/directories ${r.negPath}: ${NEG_COMM} made ${NEG_N}, the API says ${dir.negative_creators[0]?.count}`);
      const w = dir.watchers.find((x) => x.pid === r.watcherPid);
      report.apiWatchers = dir.watchers.length;
      if (!w || w.comm !== 'inotifywait' || w.api !== 'inotify') failures.push(`/api/v1/directories ${r.negPath}: the inotifywait started before the daemon (pid ${r.watcherPid}) not among its watchers ${JSON.stringify(dir.watchers)}`);
    }
  }
  if (stall) {
    const [sa, sb] = [parseProm(stall.before), parseProm(stall.after)];
    const waited = seriesValue(sb, 'fsnotify_directory_lock_wait_by_cgroup_seconds_total', { cgroup: stall.cgroup }) - seriesValue(sa, 'fsnotify_directory_lock_wait_by_cgroup_seconds_total', { cgroup: stall.cgroup });
    report.stallSeconds = waited;
    if (!(waited > 0)) failures.push(`cgroup ${stall.cgroup} (the lookups stalled on ${stall.dir}): no lock wait attributed`);
    if (stall.directories) {
      // the pod and container parsed from the cgroup path of the stalled threads, in the diagnosis
      type Dir = { path: string; stalled: Array<{ cgroup: string; pod_uid?: string; container_id?: string; lock_wait_seconds: number }> };
      const dir = (stall.directories as Dir[]).find((d) => d.path === stall.dirPath);
      const s = dir?.stalled.find((x) => x.cgroup === stall.cgroup);
      report.apiStalledSeconds = s?.lock_wait_seconds ?? 0;
      if (!s || s.pod_uid !== POD_UID || s.container_id !== CONTAINER_ID)
        failures.push(`/api/v1/directories ${stall.dirPath}: stalled ${JSON.stringify(dir?.stalled)}, not pod ${POD_UID} container ${CONTAINER_ID.slice(0, 12)} in ${stall.cgroup}`);
    }
  }
  return { failures, report };
}
