// A latency row measured in several windows, each with the target's CPU per scrape and the host's
// steal: on this shared VM one burst of steal in a single 15 s window moved a p99 2.4× between runs
// (docs/benchmark-findings.md), so a row reads the median window and shows every window.
import { cpuNs, hostTicks } from './cpu-ns.js';

/** Windows a latency row is measured in: an odd count, so the median is one window's figure. */
export const LATENCY_WINDOWS = 3;

export interface LatencyWindow {
  scrapes: number;
  p50ms: number;
  p99ms: number;
  /** the target's CPU (schedstat, every thread) over the window, per scrape */
  cpuMsPerScrape?: number;
  /** the host's steal over the window, % of all CPU time: the hypervisor's share, not ours */
  stealPercent: number;
}

export interface WindowedLatency {
  windows: LatencyWindow[];
  /** every window's scrapes and errors; the median window's requests per second */
  scrapes: number;
  errors: number;
  requestsPerSecond: number;
  /** the median window's p50 and p99 */
  p50ms: number;
  p99ms: number;
  /** every window's CPU over every window's scrapes */
  cpuMsPerScrape?: number;
  stealPercent: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/** A window's counters before and after: what `summarize` needs of it. */
export interface WindowCounts {
  scrapes: number;
  errors: number;
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  cpuNs: number;
  stealTicks: number;
  totalTicks: number;
}

export function summarize(counts: WindowCounts[]): WindowedLatency {
  const perScrape = (ns: number, scrapes: number) => (scrapes > 0 ? round(ns / scrapes / 1e6, 3) : undefined);
  const steal = (s: number, t: number) => (t > 0 ? round((100 * s) / t, 2) : 0);
  const total = (pick: (c: WindowCounts) => number) => counts.reduce((a, c) => a + pick(c), 0);
  return {
    windows: counts.map((c) => ({ scrapes: c.scrapes, p50ms: c.p50ms, p99ms: c.p99ms, cpuMsPerScrape: perScrape(c.cpuNs, c.scrapes), stealPercent: steal(c.stealTicks, c.totalTicks) })),
    scrapes: total((c) => c.scrapes),
    errors: total((c) => c.errors),
    requestsPerSecond: median(counts.map((c) => c.requestsPerSecond)),
    p50ms: median(counts.map((c) => c.p50ms)),
    p99ms: median(counts.map((c) => c.p99ms)),
    cpuMsPerScrape: perScrape(total((c) => c.cpuNs), total((c) => c.scrapes)),
    stealPercent: steal(total((c) => c.stealTicks), total((c) => c.totalTicks)),
  };
}

/** `run` in `count` windows back to back against process `pid`; each run's own result kept beside the summary. */
export async function inWindows<R extends { p50ms: number; p99ms: number; requestsPerSecond: number; errors: number }>(pid: number | undefined, count: number, scrapesOf: (r: R) => number, run: () => R | Promise<R>): Promise<{ runs: R[]; latency: WindowedLatency }> {
  const runs: R[] = [];
  const counts: WindowCounts[] = [];
  for (let i = 0; i < count; i++) {
    const [c0, h0] = [cpuNs(pid), hostTicks()];
    const r = await run();
    const [c1, h1] = [cpuNs(pid), hostTicks()];
    runs.push(r);
    counts.push({ scrapes: scrapesOf(r), errors: r.errors, requestsPerSecond: r.requestsPerSecond, p50ms: r.p50ms, p99ms: r.p99ms, cpuNs: c1 - c0, stealTicks: h1.steal - h0.steal, totalTicks: h1.total - h0.total });
  }
  return { runs, latency: summarize(counts) };
}
