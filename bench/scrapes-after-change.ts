// Scrapes with every directory changed since the last one, and nothing else running meanwhile:
// the daemon's dir_stats rewritten with new counters, then one scrape, in turn. The continuous
// writer (dir-churn.ts) makes the same worst case but spins on a core of its own, the third busy
// process on a 2-core host beside wrk and the daemon; this measures the scrape alone.
import { performance } from 'node:perf_hooks';
import { scrapeAgent, timedGet, timedScrapes, type TimedScrapes } from './timed-scrape.js';

export type ChangedScrapes = TimedScrapes;

/** `change()` (every directory rewritten with new counters) before each scrape of `url`, for `seconds`. */
export async function scrapesAfterChange(url: string, seconds: number, change: () => void): Promise<ChangedScrapes> {
  const agent = scrapeAgent();
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
  return timedScrapes(times, errors);
}
