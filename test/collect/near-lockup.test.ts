import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { Layout, type WalkState } from '../../src/bpf/abi.js';
import { NearLockupChecker } from '../../src/collect/near-lockup.js';
import { inFlightEntries, inFlightFromBatches } from '../../src/collect/snapshot.js';
import { ENDED_KEPT, StaleWalks, dropIfStillThere } from '../../src/collect/stale-walks.js';
import type { ThreadState } from '../../src/kernel/thread-state.js';

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

// Walks whose exit probe missed them (another tool rebuilt the walk function's trampoline): the
// /proc reader is injected, the map is a Map that the filter's drop deletes from.
function staleSetup(threads: Map<number, ThreadState>, o: { sleepEndsWalk?: boolean; enabled?: boolean } = {}) {
  const now = 100n * 1_000_000_000n;
  const map = new Map<number, WalkState>([
    [10, walk(now - 11n * 1_000_000_000n)],
    [20, walk(now - 12n * 1_000_000_000n)],
  ]);
  const stale: Array<[number, bigint]> = [];
  const filter = new StaleWalks({
    thread: (tid) => threads.get(tid),
    sleepEndsWalk: o.sleepEndsWalk ?? true,
    enabled: o.enabled ?? true,
    drop: (tid, w) => {
      if (map.get(tid)?.startNs === w.startNs) map.delete(tid);
    },
    onStale: (tid, w) => void stale.push([tid, w.startNs]),
  });
  const { c, calls } = checker(() => filter.live([...map]), now);
  return { c, calls, map, stale, filter, now };
}

const running = (voluntarySwitches = 5): ThreadState => ({ state: 'R', voluntarySwitches });

test('a walk whose thread is gone is never reported, is dropped from the map and counted once; a running one is reported', () => {
  const { c, calls, map, stale, now } = staleSetup(new Map([[10, running()]]));
  const reported = c.check();
  assert.deepEqual(reported.map((w) => w.startNs), [now - 11n * 1_000_000_000n], 'the running walk, not the gone one');
  assert.equal(calls.reported, 1);
  assert.deepEqual(stale, [[20, now - 12n * 1_000_000_000n]]);
  assert.deepEqual([...map.keys()], [10]);
  for (let i = 0; i < 3; i++) assert.deepEqual(c.check(), []);
  assert.equal(stale.length, 1, 'counted once');
});

test('a walk whose thread sleeps (state not R) has ended: not reported, counted once', () => {
  const { c, calls, stale, map } = staleSetup(new Map([[10, { state: 'S', voluntarySwitches: 7 }], [20, { state: 'D', voluntarySwitches: 1 }]]));
  assert.deepEqual(c.check(), []);
  assert.equal(calls.reported, 0);
  assert.deepEqual(stale.map(([tid]) => tid), [10, 20]);
  assert.equal(map.size, 0);
  c.check();
  assert.equal(stale.length, 2);
});

test('a running thread that has slept since its walk was first seen has left it: dropped at the next check', () => {
  const threads = new Map([[10, running(5)], [20, running(9)]]);
  const { filter, map, stale } = staleSetup(threads);
  assert.equal(filter.live([...map]).length, 2);
  threads.set(10, running(6)); // slept and ran again: not the walk it was in
  assert.equal(filter.live([...map]).length, 1);
  assert.deepEqual(stale.map(([tid]) => tid), [10]);
  threads.set(20, running(9));
  assert.equal(filter.live([...map]).length, 1, 'no sleep, still walking');
});

test('PREEMPT_RT (spin locks sleep): only a thread that is gone proves the walk ended', () => {
  const { filter, map, stale } = staleSetup(new Map([[10, { state: 'D', voluntarySwitches: 3 }]]), { sleepEndsWalk: false });
  assert.equal(filter.live([...map]).length, 1);
  assert.deepEqual(stale.map(([tid]) => tid), [20]);
});

test('outside the initial pid namespace /proc cannot tell: nothing is dropped', () => {
  const { filter, map, stale } = staleSetup(new Map(), { enabled: false });
  assert.equal(filter.live([...map]).length, 2);
  assert.deepEqual(stale, []);
  assert.equal(map.size, 2);
});

test('ended walks stay for their threads\' next walks until the map holds more than ENDED_KEPT entries, then are dropped uncounted', () => {
  for (const enabled of [true, false]) {
    const map = new Map<number, WalkState>();
    for (let tid = 1; tid <= ENDED_KEPT; tid++) map.set(tid, { ...walk(BigInt(tid)), exiting: true });
    const stale: number[] = [];
    const filter = new StaleWalks({
      thread: () => running(),
      sleepEndsWalk: true,
      enabled,
      drop: (tid, w) => {
        if (map.get(tid)?.startNs === w.startNs) map.delete(tid);
      },
      onStale: (tid) => void stale.push(tid),
    });
    assert.deepEqual(filter.live([...map]), []);
    assert.equal(map.size, ENDED_KEPT, 'at ENDED_KEPT entries the ended ones stay');
    map.set(ENDED_KEPT + 1, walk(1_000n)); // one more thread, walking
    assert.deepEqual(filter.live([...map]).map((w) => w.startNs), [1_000n]);
    assert.deepEqual([...map.keys()], [ENDED_KEPT + 1], 'the ended ones dropped, the running walk kept');
    assert.deepEqual(stale, [], 'an ended walk is no stale one');
  }
});

test("the drop leaves a thread's next walk alone: it deletes the entry only while it is still the walk read", () => {
  const entry = (startNs: bigint) => {
    const b = Buffer.alloc(Layout.walkState.size);
    b.writeBigUInt64LE(startNs, Layout.walkState.startNs);
    return b;
  };
  const kernel = new Map<number, Buffer>([[10, entry(5n)], [20, entry(7n)]]);
  const map = {
    lookup: (k: Buffer) => kernel.get(k.readUInt32LE(0)) ?? null,
    delete: (k: Buffer) => kernel.delete(k.readUInt32LE(0)),
  };
  const w = (startNs: bigint) => ({ ...walk(startNs) });
  dropIfStillThere(map, 10, w(5n));
  assert.equal(kernel.has(10), false);
  kernel.set(20, entry(9n)); // thread 20 started another walk after the read of the one at 7
  dropIfStillThere(map, 20, w(7n));
  assert.equal(kernel.get(20)?.readBigUInt64LE(Layout.walkState.startNs), 9n);
  dropIfStillThere(map, 30, w(1n)); // gone already: nothing to do
  assert.deepEqual([...kernel.keys()], [20]);
});

// The 1 s check reads walks_in_flight into the same batch buffers every time (no 23 KB a second to
// collect): the walks are decoded out of them, and outlive the next read that overwrites them.
test('walks in flight decoded from reused batch buffers are those of the entries, and outlive the buffers', () => {
  const L = Layout.walkState;
  const entries = [
    [10, 5n, false],
    [20, 7n, true],
    [30, 9n, false],
  ] as const;
  const stride = L.size + 8; // a value slot wider than the struct: the map's valueBytes, not the layout's size, steps
  const keys = Buffer.alloc(4 * entries.length);
  const values = Buffer.alloc(stride * entries.length);
  const views: Array<[Buffer, Buffer]> = [];
  entries.forEach(([tid, startNs, exiting], i) => {
    keys.writeUInt32LE(tid, i * 4);
    values.writeBigUInt64LE(startNs, i * stride + L.startNs);
    values.writeBigUInt64LE(42n, i * stride + L.dir);
    values.writeUInt8(exiting ? 1 : 0, i * stride + L.exiting);
    views.push([keys.subarray(i * 4, i * 4 + 4), values.subarray(i * stride, (i + 1) * stride)]);
  });
  const want = inFlightEntries(views);
  const got = inFlightFromBatches([{ keys: keys.subarray(0, 8), values: values.subarray(0, 2 * stride), n: 2 }, { keys: keys.subarray(8), values: values.subarray(2 * stride), n: 1 }], stride);
  assert.deepEqual(got, want);
  assert.deepEqual(got.map(([tid, w]) => [tid, w.startNs, w.exiting]), entries);
  keys.fill(0);
  values.fill(0); // the next read reuses the buffers
  assert.deepEqual(got.map(([tid, w]) => [tid, w.startNs, w.dir.ino]), [[10, 5n, 42n], [20, 7n, 42n], [30, 9n, 42n]]);
});
