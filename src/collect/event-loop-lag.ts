// Event-loop delay under prom-client's names (nodejs_eventloop_lag_seconds, _max_seconds,
// _p99_seconds), without prom-client's cost. Its default collector reads Node's
// monitorEventLoopDelay histogram, an HDR histogram of ~100,000 buckets, and at every scrape walks
// it for the mean (40-80 us) and the standard deviation (200-360 us, measured here), whether or not
// those gauges are exported: a fifth of a 1,000-series scrape. monitorEventLoopDelay is itself a
// libuv timer whose lateness is recorded; a 1 s timer here measures the same thing, and the few
// samples since the last scrape (15 at Prometheus' default interval) are summarized exactly.
import { performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** One sample a second, as the daemon's delay sampler ran before (a wakeup a second at idle). */
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

/** Registers the three gauges and starts the sampler; the returned function stops it. */
export function registerEventLoopLag(registry: Registry): () => void {
  const samples = new DelaySamples();
  let expected = performance.now() + SAMPLE_INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    samples.record(Math.max(0, now - expected) / 1000);
    expected = now + SAMPLE_INTERVAL_MS;
  }, SAMPLE_INTERVAL_MS);
  timer.unref();

  const registers = [registry];
  const lag = new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers,
    // as prom-client does: how long a setImmediate queued at this scrape waits, shown at the next
    collect() {
      const start = performance.now();
      setImmediate(() => lag.set((performance.now() - start) / 1000));
      const s = samples.take();
      max.set(s.max);
      p99.set(s.p99);
    },
  });
  // after `lag`, whose collect sets them: a registry reads its metrics in the order they came
  const max = new Gauge({ name: 'nodejs_eventloop_lag_max_seconds', help: 'The maximum recorded event loop delay.', registers });
  const p99 = new Gauge({ name: 'nodejs_eventloop_lag_p99_seconds', help: 'The 99th percentile of the recorded event loop delays.', registers });
  return () => clearInterval(timer);
}
