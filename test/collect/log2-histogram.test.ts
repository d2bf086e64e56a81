import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slotUpperBound, toHistogram } from '../../src/collect/log2-histogram.js';

test('duration slots become le = 2^(s+1) ns, cumulative, +Inf last', () => {
  const slots = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 3]; // slot 9 = [512, 1024) ns
  const h = toHistogram(slots, 5000, 'nanoseconds', 9);
  assert.equal(h.buckets[0]?.[0], 1024e-9);
  assert.deepEqual(
    h.buckets.map(([, c]) => c),
    [1, 3, 3, 6],
  );
  assert.equal(h.buckets.at(-1)?.[0], Infinity);
  assert.equal(h.count, 6);
  assert.equal(h.sum, 5000e-9);
});

test('finer slots fold into the first bucket kept', () => {
  const h = toHistogram([4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 'nanoseconds', 9);
  assert.equal(h.buckets[0]?.[1], 5);
});

test('count slots: slot s holds [2^s, 2^(s+1)-1], so 0 and 1 land in le=1', () => {
  assert.equal(slotUpperBound(0, 'count'), 1);
  assert.equal(slotUpperBound(1, 'count'), 3);
  assert.equal(slotUpperBound(17, 'count'), 262143);
  const h = toHistogram([2, 0, 1, 0], 9, 'count');
  assert.deepEqual(h.buckets, [
    [1, 2],
    [3, 2],
    [7, 3],
    [Infinity, 3],
  ]);
  assert.equal(h.sum, 9);
});

test('duration buckets reach past 64 s and count buckets past 2^27', () => {
  const d = toHistogram(new Array(40).fill(0), 0, 'nanoseconds', 9);
  assert.ok((d.buckets.at(-2)?.[0] ?? 0) >= 64);
  assert.ok(Math.abs((d.buckets[0]?.[0] ?? 0) - 1.024e-6) < 1e-12);
  const c = toHistogram(new Array(32).fill(0), 0, 'count');
  assert.ok((c.buckets.at(-2)?.[0] ?? 0) >= 2 ** 27);
});
