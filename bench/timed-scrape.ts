// One scrape timed by the bench itself (request to the body's end, on a kept-alive connection, gzip
// accepted as Prometheus asks), and a run of them summarized: for rows where the bench decides what
// runs between scrapes, which wrk cannot.
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface TimedScrapes {
  scrapes: number;
  /** scrapes per second of scrape time (whatever ran between them left out) */
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** A scrape slower than this is a hung daemon, not a latency: Prometheus's own default scrape timeout. */
const SCRAPE_TIMEOUT_MS = 10_000;

/** A kept-alive connection of one socket: each scrape reuses it, as a Prometheus server's does. */
export const scrapeAgent = () => new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET of `url` on `agent`'s connection; ms to the body's end. */
export function timedGet(url: string, agent: Agent): Promise<{ ms: number; ok: boolean }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      res.on('data', () => undefined);
      res.on('error', reject); // a body cut short never ends
      res.on('end', () => resolve({ ms: performance.now() - t0, ok: res.statusCode === 200 }));
    });
    req.setTimeout(SCRAPE_TIMEOUT_MS, () => req.destroy(new Error(`${url}: no whole response in ${SCRAPE_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

const nearestRank = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;

/** Scrape times (ms) and failed scrapes, summarized. */
export function timedScrapes(times: number[], errors: number): TimedScrapes {
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return { scrapes: times.length, requestsPerSecond: times.length / (total / 1000), p50ms: nearestRank(sorted, 0.5), p99ms: nearestRank(sorted, 0.99), errors };
}
