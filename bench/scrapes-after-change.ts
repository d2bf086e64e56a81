// Scrapes with every directory changed since the last one, and nothing else running meanwhile:
// the daemon's dir_stats rewritten with new counters, then one scrape, in turn. The continuous
// writer (dir-churn.ts) makes the same worst case but spins on a core of its own, the third busy
// process on a 2-core host beside wrk and the daemon; this measures the scrape alone.
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ChangedScrapes {
  scrapes: number;
  /** scrapes per second of scrape time (the rewrites between them left out) */
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** A scrape slower than this is a hung daemon, not a latency: Prometheus's own default scrape timeout. */
const SCRAPE_TIMEOUT_MS = 10_000;

/** One GET on a kept-alive connection, gzip accepted as Prometheus asks; ms to the body's end. */
function timedGet(url: string, agent: Agent): Promise<{ ms: number; ok: boolean }> {
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

/** `change()` (every directory rewritten with new counters) before each scrape of `url`, for `seconds`. */
export async function scrapesAfterChange(url: string, seconds: number, change: () => void): Promise<ChangedScrapes> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      change();
      const r = await timedGet(url, agent);
      times.push(r.ms);
      if (!r.ok) errors++;
    }
  } finally {
    agent.destroy();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return { scrapes: times.length, requestsPerSecond: times.length / (total / 1000), p50ms: nearestRank(sorted, 0.5), p99ms: nearestRank(sorted, 0.99), errors };
}
