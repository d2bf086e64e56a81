// Goal 3's steady rows, "no worse than before", measured as the only way this shared host allows:
// the baseline build's daemon and this build's daemon up at once, scraped in turn, one scrape each
// (A B, B A, ...), so a burst of steal or a slower hour falls on both alike. Alternating 15 s
// windows did not: an A/A run of one build read ratios of 1.36-3.87 at 100 directory series.
// Between two scrapes the one just scraped settles (its threads stop using CPU), so its GC and
// other work after the response do not land in the other's scrape, as at Prometheus's 15 s.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO } from '../harness/guest/kernels.js';
import { performance } from 'node:perf_hooks';
import { cpuNs, hostTicks } from './cpu-ns.js';
import { median, summarize, type WindowCounts, type WindowedLatency } from './latency-windows.js';
import { scrapeAgent, timedGet, timedScrapes } from './timed-scrape.js';

/**
 * Main's median window ratio may exceed 1 by this much and still be "no worse": the median window
 * ratio of this build against itself (A/A runs, docs/benchmark-findings.md) moved this far from 1.
 */
export const STEADY_TOLERANCE = 0.1;

/** A steady row's target: directory series alone, or series in all (the fixed set plus the directories'). */
export type SteadyTarget = { directorySeries: number } | { series: number };

export interface BuildSide {
  topDirectories: number;
  series: number;
  directorySeries: number;
  latency: WindowedLatency;
}

export interface SideBySideRow {
  target: SteadyTarget;
  baseline: BuildSide;
  main: BuildSide;
  /** per window, main's p99 over the baseline's in the same window */
  p99Ratios: number[];
  /** the median of p99Ratios: the row's verdict is this ≤ 1 + STEADY_TOLERANCE */
  p99Ratio: number;
  /** main's CPU per scrape over the baseline's, every window pooled */
  cpuRatio?: number;
}

export interface SideBySide {
  commit: string;
  seconds: number;
  windows: number;
  tolerance: number;
  rows: SideBySideRow[];
  /** when it ran (`--only steady` runs it apart from the rest of the host part) */
  date?: string;
}

interface BuildDaemon {
  pid: number;
  port: number;
  series: number;
  directorySeries: number;
  stop: () => Promise<void>;
}

/** dist/bench/build-daemon.js in `dir` (a build's checkout): its daemon, up and filled, until stop(). */
async function buildDaemon(dir: string, k: number): Promise<BuildDaemon> {
  const child = spawn(process.execPath, [join(REPO, 'dist', 'bench', 'build-daemon.js'), String(k)], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const first = await new Promise<string | undefined>((r) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (l) => r(l));
    void exited.then(() => r(undefined));
  });
  if (first === undefined) throw new Error(`the bench daemon of ${dir} (--top-directories=${k}) exited ${await exited} before it was filled`);
  const info = JSON.parse(first) as Omit<BuildDaemon, 'stop'>;
  return {
    ...info,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** A build's fixed series and series per directory, counted on a daemon at K = 13. */
async function seriesShape(dir: string): Promise<{ fixed: number; perDirectory: number }> {
  const K = 13;
  const d = await buildDaemon(dir, K);
  await d.stop();
  return { fixed: d.series - d.directorySeries, perDirectory: d.directorySeries / K };
}

const kFor = (t: SteadyTarget, shape: { fixed: number; perDirectory: number }) =>
  'directorySeries' in t ? Math.ceil(t.directorySeries / shape.perDirectory) : Math.round((t.series - shape.fixed) / shape.perDirectory);

/** main's p99 over the baseline's, window by window */
export function windowRatios(mainP99: number[], baselineP99: number[]): number[] {
  return mainP99.map((m, i) => Number((m / (baselineP99[i] as number)).toFixed(3)));
}

/** CPU a settled daemon may still use per poll: its idle timers use ~0.1% of a core, a GC thread at work all of it. */
const SETTLED_NS_PER_POLL = 100_000;
const SETTLE_POLL_MS = 2;
/** A daemon busier than this long after a scrape is not settling; the next scrape goes ahead. */
const SETTLE_LIMIT_MS = 500;

/** Until `pid`'s threads use under SETTLED_NS_PER_POLL of CPU in a poll of SETTLE_POLL_MS, at most SETTLE_LIMIT_MS. */
export async function settled(pid: number, cpuOf: (pid: number) => number = cpuNs): Promise<void> {
  const end = performance.now() + SETTLE_LIMIT_MS;
  let before = cpuOf(pid);
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    const now = cpuOf(pid);
    if (now - before < SETTLED_NS_PER_POLL) return;
    before = now;
  }
}

/** One window of `seconds`: the daemons scraped in turn, one scrape each, the first alternating per round; each daemon's figures, CPU its own, steal the host's. */
async function alternatingWindow(daemons: BuildDaemon[], seconds: number): Promise<WindowCounts[]> {
  const agents = daemons.map(() => scrapeAgent());
  const times = daemons.map(() => [] as number[]);
  const errors = daemons.map(() => 0);
  const [c0, h0] = [daemons.map((d) => cpuNs(d.pid)), hostTicks()];
  const end = performance.now() + seconds * 1000;
  try {
    for (let round = 0; performance.now() < end; round++)
      for (const i of round % 2 ? [...daemons.keys()].reverse() : daemons.keys()) {
        const d = daemons[i] as BuildDaemon;
        const r = await timedGet(`http://127.0.0.1:${d.port}/metrics`, agents[i] as ReturnType<typeof scrapeAgent>);
        (times[i] as number[]).push(r.ms);
        if (!r.ok) errors[i]! += 1;
        await settled(d.pid);
      }
  } finally {
    for (const a of agents) a.destroy();
  }
  const [c1, h1] = [daemons.map((d) => cpuNs(d.pid)), hostTicks()];
  return daemons.map((_, i) => ({ ...timedScrapes(times[i] as number[], errors[i] as number), cpuNs: (c1[i] as number) - (c0[i] as number), stealTicks: h1.steal - h0.steal, totalTicks: h1.total - h0.total }));
}

/**
 * Each target: the baseline's daemon, then main's, both up; `windows` windows of `seconds`, in each
 * the two scraped in turn (one kept-alive connection each, gzip, as Prometheus scrapes).
 */
export async function steadySideBySide(baseline: { commit: string; dir: string }, targets: SteadyTarget[], seconds: number, windows: number, log: (m: string) => void): Promise<SideBySide> {
  const shapes = { baseline: await seriesShape(baseline.dir), main: await seriesShape(REPO) };
  const rows: SideBySideRow[] = [];
  for (const target of targets) {
    const ks = { baseline: kFor(target, shapes.baseline), main: kFor(target, shapes.main) };
    log(`side by side with ${baseline.commit}: ${JSON.stringify(target)}, --top-directories ${ks.baseline} and ${ks.main}`);
    // the baseline's fill takes the newest dir_stats map by name (its bench predates picking by pid): it starts alone
    const base = await buildDaemon(baseline.dir, ks.baseline);
    let ours: BuildDaemon | undefined;
    try {
      ours = await buildDaemon(REPO, ks.main);
      const counts: Record<'baseline' | 'main', WindowCounts[]> = { baseline: [], main: [] };
      for (let i = 0; i < windows; i++) {
        const [b, m] = await alternatingWindow([base, ours], seconds);
        counts.baseline.push(b as WindowCounts);
        counts.main.push(m as WindowCounts);
      }
      const sides = { baseline: base, main: ours };
      const side = (name: 'baseline' | 'main'): BuildSide => ({ topDirectories: ks[name], series: sides[name].series, directorySeries: sides[name].directorySeries, latency: summarize(counts[name]) });
      const [b, m] = [side('baseline'), side('main')];
      const p99Ratios = windowRatios(counts.main.map((c) => c.p99ms), counts.baseline.map((c) => c.p99ms));
      rows.push({
        target,
        baseline: b,
        main: m,
        p99Ratios,
        p99Ratio: median(p99Ratios),
        ...(b.latency.cpuMsPerScrape && m.latency.cpuMsPerScrape ? { cpuRatio: Number((m.latency.cpuMsPerScrape / b.latency.cpuMsPerScrape).toFixed(3)) } : {}),
      });
    } finally {
      await ours?.stop();
      await base.stop();
    }
  }
  return { commit: baseline.commit, seconds, windows, tolerance: STEADY_TOLERANCE, rows };
}
