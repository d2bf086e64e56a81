import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DelaySamples, registerEventLoopLag, SAMPLE_INTERVAL_MS, WINDOW } from '../../src/collect/event-loop-lag.js';

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

test('a blocked event loop shows in the max and p99 at the next collection', async () => {
  const registry = new Registry();
  const stop = registerEventLoopLag(registry);
  try {
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? NaN;
    // the registry reads `lag` first, whose collect sets the other two
    await registry.metrics();
    const until = Date.now() + SAMPLE_INTERVAL_MS + 600;
    while (Date.now() < until); // the pending 1 s sample fires ~600 ms late
    await new Promise((r) => setTimeout(r, 50));
    assert.match(await registry.metrics(), /^nodejs_eventloop_lag_max_seconds 0\.[5-9]\d*/m);
    assert.ok((await value('nodejs_eventloop_lag_p99_seconds')) >= 0.5);
    assert.ok((await value('nodejs_eventloop_lag_seconds')) >= 0, 'the setImmediate lag is a number');
  } finally {
    stop();
  }
});
