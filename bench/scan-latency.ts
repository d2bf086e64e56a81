// Guest part of issue 18's goal 6: the longest single run of the walk's entry program (its child
// scan runs with preemption off, before the walk's locks) at 50k / 200k / 1M children, with the
// per-run budget as shipped and without one. Runs in the -icount guest, where a guest ns is an
// emulated instruction, so the histogram's bounds read as instructions.
import { fsload, logger, SCRATCH, writeResults } from '../harness/guest-kit.js';
import { sum, type Samples } from '../harness/prom-text.js';

const HIST = 'fsnotify_exporter_walk_entry_run_seconds';
/** no budget: one run scans up to the cap (bpf_loop's limit, as --children-scan.budget allows) */
export const UNBOUNDED = 1 << 23;

export interface ScanLatencyRow {
  children: number;
  /** --children-scan.budget; UNBOUNDED: none */
  budget: number;
  walks: number;
  /** upper bound of the highest non-empty bucket of walk_entry's run time, ns (instructions under icount) */
  maxRunNs: number;
  /** walk_entry's run time summed over the walks, ns */
  runNsSum: number;
  budgetCuts: number;
  /** scans that reached the list's end (or the cap) */
  scans: number;
  /** children the daemon reports for the directory at the end */
  childrenReported: number;
  /** guest seconds creating the directory's negative dentries (under icount shift 0: instructions / 1e9) */
  createSeconds?: number;
}

export interface ScanLatency {
  defaultBudget: number;
  rows: ScanLatencyRow[];
}

interface Daemon {
  stop(): Promise<void>;
}

export interface ScanLatencyKit {
  startDaemon(args: string[]): Promise<Daemon>;
  scrape(): Promise<Samples>;
}

/** The upper bound (le, s) of the highest bucket whose count grew between two scrapes. */
function maxBucket(before: Samples, after: Samples): number {
  let prev = 0;
  let top = 0;
  const les = [...after.keys()]
    .map((k) => /^fsnotify_exporter_walk_entry_run_seconds_bucket\{le="([^"]+)"\}$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1] as string)
    .filter((le) => le !== '+Inf')
    .sort((a, b) => Number(a) - Number(b));
  for (const le of les) {
    const key = `${HIST}_bucket{le="${le}"}`;
    const n = (after.get(key) ?? 0) - (before.get(key) ?? 0);
    if (n > prev) top = Number(le);
    prev = n;
  }
  return top;
}

export async function scanLatency(kit: ScanLatencyKit, sizes: number[], defaultBudget: number): Promise<ScanLatency> {
  const log = logger('scan-latency');
  const rows: ScanLatencyRow[] = [];
  for (const children of sizes) {
    const dir = `${SCRATCH}/latency-${children}`;
    const { seconds: createSeconds } = fsload('negdents', dir, children, 1) as { seconds: number };
    log(`${children} negative dentries created in ${createSeconds} s`);
    for (const budget of [defaultBudget, UNBOUNDED]) {
      const d = await kit.startDaemon(['--children-scan.interval=1h', `--children-scan.budget=${budget}`]);
      const before = await kit.scrape();
      // enough walks for the budgeted scan to reach the list's end, and two more (served from the cache)
      const walks = Math.ceil(children / Math.min(budget, children)) + 2;
      fsload('mask-toggle', dir, walks);
      const after = await kit.scrape();
      await d.stop();
      const delta = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
      const row: ScanLatencyRow = {
        children,
        budget,
        walks: delta(`${HIST}_count`),
        maxRunNs: maxBucket(before, after) * 1e9,
        runNsSum: delta(`${HIST}_sum`) * 1e9,
        budgetCuts: delta('fsnotify_walk_children_scan_budget_cut_total'),
        scans: delta('fsnotify_walk_children_scans_total', { result: 'scanned' }),
        childrenReported: [...after].filter(([k]) => k.startsWith('fsnotify_directory_children{') && k.includes(`latency-${children}"`)).reduce((n, [, v]) => n + v, 0),
        createSeconds,
      };
      rows.push(row);
      log(`${children} children, budget ${budget}: ${JSON.stringify(row)}`);
      // kept row by row: a guest that times out in a larger size still leaves the smaller ones
      writeResults('latency-partial.json', { defaultBudget, rows });
    }
  }
  return { defaultBudget, rows };
}
