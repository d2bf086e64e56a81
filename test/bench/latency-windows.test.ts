// bench/latency-windows.ts: a latency row's windows, its median and its pooled CPU and steal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inWindows, summarize } from '../../bench/latency-windows.js';

test('a row reads the median window, every window kept in order, CPU and steal pooled over all', () => {
  const w = summarize([
    { scrapes: 100, errors: 1, requestsPerSecond: 50, p50ms: 1, p99ms: 9, cpuNs: 100e6, stealTicks: 30, totalTicks: 100 }, // a burst of steal
    { scrapes: 300, errors: 0, requestsPerSecond: 300, p50ms: 2, p99ms: 2, cpuNs: 200e6, stealTicks: 0, totalTicks: 100 },
    { scrapes: 100, errors: 2, requestsPerSecond: 200, p50ms: 3, p99ms: 3, cpuNs: 100e6, stealTicks: 0, totalTicks: 200 },
  ]);
  assert.equal(w.scrapes, 500);
  assert.equal(w.errors, 3);
  assert.equal(w.requestsPerSecond, 200);
  assert.equal(w.p99ms, 3);
  assert.equal(w.p50ms, 2);
  assert.deepEqual(w.windows.map((x) => x.p99ms), [9, 2, 3]);
  assert.deepEqual(w.windows.map((x) => x.stealPercent), [30, 0, 0]);
  assert.deepEqual(w.windows.map((x) => x.cpuMsPerScrape), [1, 0.667, 1]);
  assert.equal(w.cpuMsPerScrape, 0.8); // 400 ms over 500 scrapes, not the mean of the windows' 0.889
  assert.equal(w.stealPercent, 7.5); // 30 of 400 ticks
});

test('a window with no scrapes has no CPU per scrape, and an idle clock no steal', () => {
  const w = summarize([{ scrapes: 0, errors: 0, requestsPerSecond: 0, p50ms: 0, p99ms: 0, cpuNs: 5e6, stealTicks: 0, totalTicks: 0 }]);
  assert.equal(w.windows[0]?.cpuMsPerScrape, undefined);
  assert.equal(w.cpuMsPerScrape, undefined);
  assert.equal(w.stealPercent, 0);
});

test('windows run one after another, each charged the CPU its process spent in it', async () => {
  const order: number[] = [];
  const burn = (ms: number) => {
    const t0 = process.cpuUsage();
    while ((process.cpuUsage(t0).user + process.cpuUsage(t0).system) / 1000 < ms);
  };
  // window i burns (i + 1) × 20 ms of this process's CPU for one "scrape"
  const { runs, latency } = await inWindows(process.pid, 3, () => 1, () => {
    const i = order.length;
    order.push(i);
    burn((i + 1) * 20);
    return { p50ms: i, p99ms: 10 - i, requestsPerSecond: 1, errors: 0 };
  });
  assert.deepEqual(order, [0, 1, 2]);
  assert.deepEqual(runs.map((r) => r.p99ms), [10, 9, 8]);
  assert.equal(latency.p99ms, 9);
  const cpu = latency.windows.map((w) => w.cpuMsPerScrape as number);
  // schedstat counts every thread of the process: at least the burn, and the burns in their order
  cpu.forEach((ms, i) => assert.ok(ms >= (i + 1) * 20, `window ${i}: ${ms} ms`));
  assert.ok(cpu[0]! < cpu[2]!, `${cpu}`);
});
