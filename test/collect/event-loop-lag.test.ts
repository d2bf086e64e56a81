import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DelaySamples, eventLoopLagCollector, SAMPLE_INTERVAL_MS, WINDOW, type LagClock } from '../../src/collect/collectors/event-loop-lag.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { parseProm, sum } from '../../harness/prom-text.js';

test('max and nearest-rank p99 of the samples since the last take, then empty', () => {
  const s = new DelaySamples();
  for (let i = 1; i <= 200; i++) s.record(i / 1000);
  assert.deepEqual(s.take(), { max: 0.2, p99: 0.198, count: 200 });
  assert.deepEqual(s.take(), { max: 0, p99: 0, count: 0 });
  s.record(0.004);
  assert.deepEqual(s.take(), { max: 0.004, p99: 0.004, count: 1 });
});

test('past the window: the max stays exact, the p99 covers the newest samples', () => {
  const s = new DelaySamples();
  s.record(9); // the first sample, overwritten in the ring
  for (let i = 0; i < WINDOW; i++) s.record(0.001);
  const t = s.take();
  assert.equal(t.max, 9);
  assert.equal(t.p99, 0.001);
  assert.equal(t.count, WINDOW + 1);
});

test('a late sample shows in the max and p99 at the next scrape, the setImmediate wait in the lag', async () => {
  // an injected clock and timer: the delays are the test's numbers, not this machine's load
  let now = 0;
  let tick = () => {};
  let soon = () => {};
  const clock: LagClock = {
    now: () => now,
    every: (ms, fn) => {
      assert.equal(ms, SAMPLE_INTERVAL_MS);
      tick = fn;
      return () => (tick = () => {});
    },
    soon: (fn) => void (soon = fn),
  };
  const e = new Exposition();
  // this collector reads nothing of the context
  const stop = registerCollectors(e, {} as CollectorContext, [eventLoopLagCollector(clock)]);
  try {
    const scrape = async () => parseProm((await e.metrics()).toString());
    await scrape();
    now = SAMPLE_INTERVAL_MS + 600; // the 1 s sample fires 600 ms late
    tick();
    now += 40; // the setImmediate queued at the first scrape (at 0) ran at 1,640 ms
    soon();
    now += SAMPLE_INTERVAL_MS; // the next one on time
    tick();
    let m = await scrape();
    assert.equal(sum(m, 'nodejs_eventloop_lag_max_seconds'), 0.6);
    assert.equal(sum(m, 'nodejs_eventloop_lag_p99_seconds'), 0.6);
    assert.equal(sum(m, 'nodejs_eventloop_lag_seconds'), 1.64);
    assert.equal(sum(m, 'fsnotify_exporter_collector_success', { collector: 'event_loop_lag' }), 1);
    // taken at the scrape: the next one starts empty
    m = await scrape();
    assert.equal(sum(m, 'nodejs_eventloop_lag_max_seconds'), 0);
    assert.equal(sum(m, 'nodejs_eventloop_lag_p99_seconds'), 0);
  } finally {
    stop();
  }
});
