// The e2e overlap rule (test/e2e/race-checks.ts overlapCheck) on slow_walk lines as the daemon
// logs them (the line below is one from an oldfsnotify guest's daemon.log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overlapCheck } from '../e2e/race-checks.js';

const LOGGED = {
  level: 'warn', time: '2026-12-01T09:54:17.845Z', service: 'fsnotify-exporter', event: 'slow_walk', walk_start: '2026-12-01T09:54:17.707Z',
  start_ns: '242122712121', pid: 246, tgid: 246, comm: 'python3', cgroup_id: '1', trigger: 'parent_event', syscall: '', device: '253:0',
  inode: '131108', path: '/scale-800000', duration_seconds: 0.03, children: { positive: 4, negative: 995136, truncated: false },
  concurrent_walkers: 1, lock_wait_seconds: { i_lock: 0, d_lock: 0 }, msg: 'slow fsnotify walk: 0.030 s on /scale-800000',
};
const walk = (startMs: number, walkers: number, inode = LOGGED.inode) =>
  JSON.stringify({ ...LOGGED, start_ns: String(BigInt(startMs) * 1_000_000n), concurrent_walkers: walkers, inode });
const log = (...lines: string[]) => ['{"level":"info","msg":"listening"}', ...lines, 'not json'].join('\n');

test('two walks of one directory 20 ms into each other: one of them must count the other', () => {
  const missed = overlapCheck(log(walk(1000, 1), walk(1010, 1)));
  assert.equal(missed.report.overlaps, 1);
  assert.match(missed.failures[0] ?? '', /overlapped, neither counted the other/);
  for (const counted of [log(walk(1000, 1), walk(1010, 2)), log(walk(1010, 2), walk(1000, 1)), log(walk(1000, 2), walk(1010, 1))])
    assert.deepEqual(overlapCheck(counted), { failures: [], report: { slowWalks: 2, overlaps: 1, counted: 1 } });
});

test('walks one after the other, within the clock margin, or of other directories are no overlap', () => {
  for (const apart of [log(walk(1000, 1), walk(1030, 1)), log(walk(1000, 1), walk(1029, 1)), log(walk(1000, 1), walk(1010, 1, '99'))])
    assert.deepEqual(overlapCheck(apart).failures, []);
  assert.equal(overlapCheck(log(walk(1000, 1), walk(1029, 1))).report.overlaps, 0);
});

test('a third walk that overlaps only the first is checked against it, past a second that does not', () => {
  const r = overlapCheck(log(walk(1000, 1), walk(1005, 1, '99'), walk(1020, 1)));
  assert.equal(r.report.overlaps, 1);
  assert.equal(r.failures.length, 1);
});
