// Node's process metrics (CPU, memory, heap, GC, handles) from prom-client's default collectors.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Collector } from '../collector.js';

/** prom-client has no switch to leave one default collector out: these are removed after the fact. */
const REMOVED = [
  // event-loop-lag.ts exports the lag, max and p99 without prom-client's per-scrape cost
  ...['', 'min_', 'max_', 'mean_', 'stddev_', 'p50_', 'p90_', 'p99_'].map((stat) => `nodejs_eventloop_lag_${stat}seconds`),
  // gauges named *_total, which promtool check metrics rejects
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export const nodeProcess: Collector = {
  name: 'process',
  setup(m) {
    const registry = new Registry();
    // its event-loop sampler still runs: give it a period that never comes (2^31-1 ms, 24 days)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 2 ** 31 - 1 });
    for (const name of REMOVED) registry.removeSingleMetric(name);
    m.text(() => registry.metrics());
    return () => registry.clear();
  },
};
