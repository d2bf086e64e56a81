// The e2e checks that used to hang on timing (issue 20): each asserts what the workload controls.
// e2e.test.ts runs them on the suite's results, and test/flakes/ runs each ten times in one guest.
import { delta, parseProm, sum } from '../../harness/prom-text.js';

export interface Check {
  failures: string[];
  report: Record<string, unknown>;
}

const walkSeconds = (after: string, before: string) => delta(parseProm(after), parseProm(before), 'fsnotify_walk_duration_seconds_sum');

/** Waits counted on the directory's i_lock and d_lock between two scrapes. */
export function herdLockWaits(before: string, after: string): { iLock: number; dLock: number } {
  const [a, b] = [parseProm(before), parseProm(after)];
  return { iLock: delta(b, a, 'fsnotify_lock_wait_seconds_count', { lock: 'i_lock' }), dLock: delta(b, a, 'fsnotify_lock_wait_seconds_count', { lock: 'd_lock' }) };
}

/**
 * Herd (old kernel): openers re-walk from __fsnotify_parent and queue behind the first walker. The
 * openers' files sit at the far end of the child list (created before its negative dentries,
 * fsload `herd DIR N 0`), so the first walker clears their flags last. Each round's first opener
 * always walks (the watch removal left every flag set): that is the workload's. Whether a second
 * opener read its flag before the walk cleared it, and whether it then walked while the first still
 * ran or only after it (it waits in dget_parent() on the d_lock the walk holds), is the scheduler's:
 * both are reported, and overlapCheck asserts that every overlap the walks' own times show was
 * counted. That openers queue on the directory's i_lock or d_lock is the workload's.
 */
export function herdCheck(before: string, after: string, rounds: number): Check {
  const [a, b] = [parseProm(before), parseProm(after)];
  const parentWalks = delta(b, a, 'fsnotify_walks_total', { trigger: 'parent_event' });
  const concurrent = delta(b, a, 'fsnotify_walk_concurrent_walkers_sum') - delta(b, a, 'fsnotify_walk_concurrent_walkers_count');
  const iLockSeconds = delta(b, a, 'fsnotify_lock_wait_seconds_sum', { lock: 'i_lock' });
  const dLockSeconds = delta(b, a, 'fsnotify_lock_wait_seconds_sum', { lock: 'd_lock' });
  const waits = herdLockWaits(before, after);
  const walkTotal = delta(b, a, 'fsnotify_walk_duration_seconds_sum', { trigger: 'parent_event' });
  const failures: string[] = [];
  if (!(parentWalks >= rounds)) failures.push(`parent_event walks: ${parentWalks} in ${rounds} rounds`);
  if (!(waits.iLock + waits.dLock > 0)) failures.push(`${parentWalks} walks in ${rounds} rounds, none queued on the directory's i_lock or d_lock`);
  // i_lock is taken inside the walk: its waits are part of the walk time, so they cannot exceed it
  if (!(iLockSeconds <= walkTotal)) failures.push(`i_lock wait ${iLockSeconds} s > walk time ${walkTotal} s`);
  return { failures, report: { rounds, parentWalks, extraWalkers: parentWalks - rounds, extraConcurrentWalkers: concurrent, iLockWaits: waits.iLock, iLockSeconds, dLockWaits: waits.dLock, dLockSeconds, parentWalkSeconds: walkTotal } };
}

interface LogLine {
  event?: string;
  device?: string;
  concurrent_walkers?: number;
  start_ns?: string;
  inode?: string;
  age_seconds?: number;
  duration_seconds?: number;
  path?: string;
}

/** The daemon's JSON log lines (other output, such as a guest's progress lines, left out). */
const logLines = (daemonLog: string): LogLine[] =>
  daemonLog
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

/** A margin over any skew between two CPUs' CLOCK_MONOTONIC reads (TCG's clock is the host's). */
const OVERLAP_MARGIN_NS = 1_000_000n;

/**
 * Concurrent walkers, from the walks' own times: each walk registers before its start and leaves
 * after its end (bpf walk_enter/walk_exit), so when two slow walks of one directory overlap, the
 * later one to register counted the other: one of them reports 2 or more walkers.
 */
export function overlapCheck(daemonLog: string): Check {
  const walks = logLines(daemonLog)
    .filter((l) => l.event === 'slow_walk')
    .map((l) => {
      const start = BigInt(l.start_ns as string);
      return { l, start, end: start + BigInt(Math.round((l.duration_seconds as number) * 1e9)) };
    })
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const failures: string[] = [];
  let overlaps = 0;
  walks.forEach((a, i) => {
    for (const b of walks.slice(i + 1)) {
      if (b.start + OVERLAP_MARGIN_NS >= a.end) break; // sorted by start: no later walk overlaps a
      if (a.l.inode !== b.l.inode || a.l.device !== b.l.device) continue;
      overlaps++;
      if (Math.max(a.l.concurrent_walkers ?? 0, b.l.concurrent_walkers ?? 0) < 2) failures.push(`walks of ${a.l.path} at ${a.start} and ${b.start} (ns) overlapped, neither counted the other`);
    }
  });
  return { failures, report: { slowWalks: walks.length, overlaps, counted: walks.filter((w) => (w.l.concurrent_walkers ?? 0) >= 2).length } };
}

/**
 * Near soft lockup: a report comes while its walk runs. The report and the walk's slow_walk line
 * name the walk by its kernel start (start_ns); age and duration are both CLOCK_MONOTONIC, so
 * "during" is age <= duration, no window between two clocks. With the slow-walk threshold below the
 * near-lockup limit, every reported walk that ended has its slow_walk line.
 */
export function nearLockupCheck(daemonLog: string): Check {
  const lines = logLines(daemonLog);
  const near = lines.filter((l) => l.event === 'near_softlockup');
  const slow = new Map(lines.filter((l) => l.event === 'slow_walk').map((l) => [`${l.start_ns}:${l.inode}`, l]));
  const failures: string[] = [];
  if (near.length === 0) failures.push('no near_softlockup log line');
  let matched = 0;
  for (const n of near) {
    const walk = slow.get(`${n.start_ns}:${n.inode}`);
    if (!walk) {
      failures.push(`near_softlockup of ${n.path} (start_ns ${n.start_ns}) has no slow_walk line`);
      continue;
    }
    matched++;
    if (!((n.age_seconds as number) <= (walk.duration_seconds as number))) failures.push(`near_softlockup of ${n.path} at age ${n.age_seconds} s, after its walk ended (${walk.duration_seconds} s)`);
  }
  return { failures, report: { reports: near.length, matched, first: near.slice(0, 2).map((n) => ({ path: n.path, age_seconds: n.age_seconds })) } };
}

/**
 * Slow walks of the big directories: the slow-walk threshold is a quarter of the shortest 800k
 * walk measured (22 ms, old kernel under TCG), so each 800k watch walk is slow on every kernel.
 */
export function slowWatchWalkCheck(events: Array<Record<string, unknown>>, thresholdSeconds: number, expectHerd: boolean): Check {
  const big = events.filter((e) => String(e.path).startsWith('/scale-'));
  const byWatch = big.filter((e) => e.trigger === 'watch_change' && e.path === '/scale-800000');
  const failures: string[] = [];
  if (byWatch.length === 0) failures.push(`no slow watch walk of /scale-800000 among ${big.length} slow walks of the scale directories`);
  for (const e of big) {
    if (e.syscall !== (e.trigger === 'watch_change' ? 'inotify_add_watch' : '')) failures.push(`syscall ${String(e.syscall)} for a ${String(e.trigger)} walk`);
    if (!((e.duration_seconds as number) >= thresholdSeconds)) failures.push(`a slow walk of ${String(e.duration_seconds)} s under the ${thresholdSeconds} s threshold`);
    if (!/^\d+$/.test(String(e.cgroup_id)) || !/^\d+:\d+$/.test(String(e.device))) failures.push(`cgroup ${String(e.cgroup_id)}, device ${String(e.device)}`);
  }
  if (expectHerd && !big.some((e) => e.trigger === 'parent_event')) failures.push('no slow herd walk');
  return { failures, report: { slowScaleWalks: big.length, byWatch: byWatch.length } };
}

/** Scaling: each watch add walks once, over the n children made (the scan's limit on 5.10). */
export function scalingCheck(scaling: Array<{ n: number; before: string; mid: string; after: string }>, tolerance: number): Check {
  const failures: string[] = [];
  const rows = scaling.map((s) => {
    const [a, m, b] = [parseProm(s.before), parseProm(s.mid), parseProm(s.after)];
    const expected = Math.min(s.n, sum(b, 'fsnotify_exporter_children_scan_limit'));
    const walks = [delta(m, a, 'fsnotify_walks_total'), delta(b, m, 'fsnotify_walks_total')];
    const children = [delta(m, a, 'fsnotify_walk_children_sum', { kind: 'negative' }), delta(b, m, 'fsnotify_walk_children_sum', { kind: 'negative' })];
    if (walks.some((w) => w !== 1)) failures.push(`${s.n}: ${walks.join(' and ')} walks for two watch adds`);
    // the second walk reuses the first's count (--children-scan.interval): the first one is the scan
    if (!(Math.abs((children[0] as number) - expected) <= expected * tolerance)) failures.push(`${s.n}: ${children[0]} negative children counted, ${expected} expected`);
    // timed, not asserted: the cost per child is npm run bench's (-icount), not a timed test's
    const seconds = Math.min(walkSeconds(s.mid, s.before), walkSeconds(s.after, s.mid));
    if (!(seconds > 0)) failures.push(`${s.n}: walk time ${seconds}`);
    return { n: s.n, children: children[0], seconds };
  });
  return { failures, report: { scaling: rows } };
}
