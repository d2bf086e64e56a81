// Event-loop delay under prom-client's names, sampled by a 1 s timer and summarized exactly at each
// scrape: prom-client's own collector walks a ~100,000-bucket histogram at every scrape
// (docs/benchmark-findings.md).
import { performance } from 'node:perf_hooks';
import { everyShared } from '../../shared-interval.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

/** One wakeup a second at idle. */
export const SAMPLE_INTERVAL_MS = 1000;
/** Samples kept between two scrapes: 68 minutes of them. The max is exact whatever the gap; the
 * p99 covers the newest WINDOW samples if nobody scrapes for longer. */
export const WINDOW = 4096;

/** The delays sampled since the last take(), in seconds. */
export class DelaySamples {
  private readonly ring = new Float64Array(WINDOW);
  private n = 0; // samples since the last take; the ring holds min(n, WINDOW) of them
  private max = 0;

  record(seconds: number): void {
    this.ring[this.n % WINDOW] = seconds;
    this.n++;
    if (seconds > this.max) this.max = seconds;
  }

  /** max and p99 (nearest rank) of the samples since the last take, then forget them; 0 with none. */
  take(): { max: number; p99: number; count: number } {
    const count = this.n;
    const kept = this.ring.slice(0, Math.min(count, WINDOW)).sort();
    const p99 = kept.length ? (kept[Math.ceil(0.99 * kept.length) - 1] as number) : 0;
    const out = { max: this.max, p99, count };
    this.n = 0;
    this.max = 0;
    return out;
  }
}

/** The clock and the timer the sampler runs on: the real ones, or a test's (no timing in tests). */
export interface LagClock {
  now: () => number;
  /** calls `fn` every `ms` until the returned stop is called; must not keep the process alive */
  every: (ms: number, fn: () => void) => () => void;
  /** runs `fn` after the current event-loop turn */
  soon: (fn: () => void) => void;
}

const realClock: LagClock = {
  now: () => performance.now(),
  every: everyShared,
  soon: (fn) => void setImmediate(fn),
};

export function eventLoopLagCollector(clock: LagClock = realClock): Collector {
  return {
    name: 'event_loop_lag',
    setup(m) {
      const samples = new DelaySamples();
      let expected = clock.now() + SAMPLE_INTERVAL_MS;
      const stop = clock.every(SAMPLE_INTERVAL_MS, () => {
        const now = clock.now();
        samples.record(Math.max(0, now - expected) / 1000);
        expected = now + SAMPLE_INTERVAL_MS;
      });

      let lag = 0;
      let taken = { max: 0, p99: 0 };
      m.samples(METRICS.eventLoopLag, () => {
        // as prom-client does: how long a setImmediate queued at this scrape waits, shown at the next
        const start = clock.now();
        clock.soon(() => (lag = (clock.now() - start) / 1000));
        taken = samples.take();
        return [{ labels: {}, value: lag }];
      });
      m.samples(METRICS.eventLoopLagMax, () => [{ labels: {}, value: taken.max }]);
      m.samples(METRICS.eventLoopLagP99, () => [{ labels: {}, value: taken.p99 }]);
      return stop;
    },
  };
}

export const eventLoopLag = eventLoopLagCollector();
