import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { WalkState } from '../../src/bpf/abi.js';
import { NearLockupChecker } from '../../src/collect/near-lockup.js';

const walk = (startNs: bigint): WalkState => ({
  startNs,
  inode: 1n,
  dir: { ino: 42n, dev: (8 << 20) | 1 },
  children: [3n, 1_000_000n],
  concurrentWalkers: 1,
  trigger: 'watch_change',
  syscall: 'inotify_add_watch',
  truncated: false,
  exiting: false,
});

function checker(walks: () => WalkState[], now: bigint) {
  const calls = { threshold: 0, reported: 0 };
  const c = new NearLockupChecker({
    thresholdSeconds: () => {
      calls.threshold++;
      return 20;
    },
    ratio: 0.5,
    logger: pino({ enabled: false }),
    inFlight: walks,
    pathOf: () => '/big',
    onNearLockup: () => calls.reported++,
    now: () => now,
  });
  return { c, calls };
}

test('no walk in flight: the threshold is not read (no /proc reads on an idle host)', () => {
  const { c, calls } = checker(() => [], 100n * 1_000_000_000n);
  for (let i = 0; i < 10; i++) assert.deepEqual(c.check(), []);
  assert.equal(calls.threshold, 0);
});

test('a walk past ratio x threshold is reported once while it runs; a younger one is not', () => {
  const now = 100n * 1_000_000_000n;
  let walks = [walk(now - 11n * 1_000_000_000n), walk(now - 9n * 1_000_000_000n)];
  const { c, calls } = checker(() => walks, now);
  assert.equal(c.check().length, 1);
  assert.equal(c.check().length, 0, 'reported again');
  assert.equal(calls.reported, 1);
  walks = [];
  c.check();
  walks = [walk(now - 11n * 1_000_000_000n)];
  assert.equal(c.check().length, 1, 'a walk that ended and came back is a new one');
});

test("the report names its walk by the kernel's start (start_ns), as the walk's slow_walk line does", () => {
  const now = 100n * 1_000_000_000n;
  const lines: Array<Record<string, unknown>> = [];
  const c = new NearLockupChecker({
    thresholdSeconds: () => 20,
    ratio: 0.5,
    logger: pino({}, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
    inFlight: () => [walk(now - 11n * 1_000_000_000n)],
    pathOf: () => '/big',
    onNearLockup: () => {},
    now: () => now,
  });
  c.check();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.['start_ns'], String(now - 11n * 1_000_000_000n));
  assert.equal(lines[0]?.['age_seconds'], 11);
});

test('a walk whose exit probe has begun is not reported: it ended, though its entry is still in the map', () => {
  const now = 100n * 1_000_000_000n;
  const ending = { ...walk(now - 11n * 1_000_000_000n), exiting: true };
  const { c, calls } = checker(() => [ending], now);
  assert.deepEqual(c.check(), []);
  assert.equal(calls.reported, 0);
});
