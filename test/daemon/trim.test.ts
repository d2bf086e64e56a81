// The periodic malloc_trim rides the shared 1 s timer: a trim on every tenth tick, none between,
// and none after stop().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRIM_EVERY, trimPeriodically } from '../../src/daemon/compact-heap.js';

test('a trim every TRIM_EVERY ticks of the 1 s timer, none after stop()', () => {
  let tick: (() => void) | undefined;
  let period = 0;
  let stopped = false;
  let trims = 0;
  const stop = trimPeriodically(
    () => trims++,
    (ms, fn) => {
      period = ms;
      tick = fn;
      return () => (stopped = true);
    },
  );
  assert.equal(period, 1000);
  for (let i = 1; i < TRIM_EVERY; i++) tick?.();
  assert.equal(trims, 0);
  tick?.();
  assert.equal(trims, 1);
  for (let i = 0; i < 2 * TRIM_EVERY; i++) tick?.();
  assert.equal(trims, 3);
  stop();
  assert.equal(stopped, true);
});
