// The steady side-by-side (steady-side-by-side.ts) in docs/benchmarks.md: its table, and goal 3's
// steady rows read from it.
import type { SideBySide, SteadyTarget } from './steady-side-by-side.js';

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const label = (t: SteadyTarget) => ('series' in t ? `${t.series.toLocaleString('en-US')} series` : `${t.directorySeries.toLocaleString('en-US')} directory series`);
const cpu = (ms: number | undefined) => (ms === undefined ? '–' : f(ms));

export type SideBySideResult = SideBySide | { commit: string; error: string };

/** The section's table; the failures a broken run must raise (a build or a run that erred, scrape errors). */
export function renderSideBySide(s: SideBySideResult | undefined, md: string[]): string[] {
  if (!s) return [];
  md.push('', `### Steady scrapes side by side with the pre-issue-18 build (${s.commit})`, '');
  if ('error' in s) {
    md.push(`Not measured: ${s.error}.`);
    return s.error.startsWith('this clone has no commit') ? [] : [`steady side by side: ${s.error}`];
  }
  md.push(
    `${s.date ? `Run ${s.date}. ` : ''}Both builds' daemons up at once, each started as its own build starts it (its node flags and environment) and its \`dir_stats\` filled by its own bench code with 1.5 × its own K, K chosen from its own fixed series and series per directory. Then ${s.windows} windows of ${s.seconds} s in which the two are scraped in turn, one scrape each, the first of each round alternating (the bench times each scrape from request to the body's end on one kept-alive connection per daemon, gzip accepted, as in the changed-before-each-scrape row), and the daemon just scraped settles (its threads idle) before the next scrape, as between a Prometheus server's scrapes: a burst of steal or a slower hour falls on both alike, and neither build's GC threads run in the other's scrape. *Ratio*: main's p99 over the baseline's in the same window; the row is no worse when the median window's ratio is ≤ ${f(1 + s.tolerance)} (the tolerance: how far this build's median window ratio against itself moved from 1, benchmark-findings.md). p99s are the median window's; CPU per scrape is over every window.`,
    '',
    '| target | series: baseline / main | p99 ms: baseline / main | p99 ratio by window | median ratio | CPU ms per scrape: baseline / main | CPU ratio | host steal % by window | errors |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const failures: string[] = [];
  for (const r of s.rows) {
    const [b, m] = [r.baseline.latency, r.main.latency];
    md.push(`| ${label(r.target)} | ${r.baseline.series} / ${r.main.series} | ${f(b.p99ms)} / ${f(m.p99ms)} | ${r.p99Ratios.map((x) => f(x)).join(' / ')} | ${f(r.p99Ratio)} | ${cpu(b.cpuMsPerScrape)} / ${cpu(m.cpuMsPerScrape)} | ${r.cpuRatio === undefined ? '–' : f(r.cpuRatio)} | ${b.windows.map((w) => f(w.stealPercent, 1)).join(' / ')} | ${b.errors + m.errors} |`);
    if (b.errors + m.errors > 0) failures.push(`${b.errors + m.errors} errors scraping side by side at ${label(r.target)}`);
  }
  return failures;
}

/** Goal 3's steady rows from the side-by-side; none when it was not measured (the caller then reads the old absolute limits). */
export function sideBySideGoalRows(s: SideBySideResult | undefined): string[] {
  if (!s || 'error' in s) return [];
  return s.rows.map(
    (r) =>
      `| steady p99 no worse than before, ${label(r.target)}: side by side with ${s.commit}, median window ratio ≤ ${f(1 + s.tolerance)} | ${f(r.baseline.latency.p99ms)} ms (same run) | ${f(r.main.latency.p99ms)} ms, ratio ${f(r.p99Ratio)} (windows ${r.p99Ratios.map((x) => f(x)).join(' / ')}) | ${r.p99Ratio <= 1 + s.tolerance ? 'met' : '**missed**'} |`,
  );
}
