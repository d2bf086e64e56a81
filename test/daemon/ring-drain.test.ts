// drainAdaptively: the slow-walk ring is drained once a second while it is empty, every 250 ms from
// a drain that found records until four in a row find none. Node's mock timers: no real waiting.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { drainAdaptively, RING_DRAIN } from '../../src/daemon/background.js';
import { sharedPeriods } from '../../src/shared-interval.js';

test('quiet: once a second; records: every 250 ms; four empty drains: quiet again', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const pending: number[] = []; // records waiting at each drain, taken in order; 0 when none left
  let drains = 0;
  const stop = drainAdaptively(() => {
    drains++;
    return pending.shift() ?? 0;
  });
  mock.timers.tick(RING_DRAIN.quietMs * 3);
  assert.equal(drains, 3, 'an empty ring: one drain a second');
  assert.deepEqual(sharedPeriods(), [RING_DRAIN.quietMs]);

  pending.push(5); // the next drain finds records
  mock.timers.tick(RING_DRAIN.quietMs);
  assert.equal(drains, 4);
  assert.deepEqual(sharedPeriods(), [RING_DRAIN.busyMs], 'busy after a drain with records');

  pending.push(2);
  mock.timers.tick(RING_DRAIN.busyMs);
  assert.equal(drains, 5, 'records again: still busy');
  mock.timers.tick(RING_DRAIN.busyMs * (RING_DRAIN.emptyDrainsToQuiet - 1));
  assert.equal(drains, 5 + RING_DRAIN.emptyDrainsToQuiet - 1);
  assert.deepEqual(sharedPeriods(), [RING_DRAIN.busyMs], 'three empty drains: not yet quiet');
  mock.timers.tick(RING_DRAIN.busyMs);
  assert.deepEqual(sharedPeriods(), [RING_DRAIN.quietMs], 'the fourth empty drain in a row: quiet');
  mock.timers.tick(RING_DRAIN.quietMs);
  assert.equal(drains, 5 + RING_DRAIN.emptyDrainsToQuiet + 1);

  stop();
  assert.deepEqual(sharedPeriods(), [], 'stop() leaves no timer, whichever period it was on');
  mock.timers.tick(RING_DRAIN.quietMs * 2);
  assert.equal(drains, 5 + RING_DRAIN.emptyDrainsToQuiet + 1);
});
