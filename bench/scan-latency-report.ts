// The kernel-side latency section of docs/benchmarks.md (issue 18, goal 6): the walk entry
// program's longest run per walk, by directory size, with the per-run child budget and without.
import type { GuestBench } from './report.js';
import { UNBOUNDED } from './scan-latency.js';

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

/**
 * Hardware µs from an icount run, conservatively: 1 ns per instruction (IPC 0.5 at 2 GHz; the scan
 * chases pointers) plus one DRAM miss (100 ns) per child scanned, whose dentry is its own cold line.
 */
export const NS_PER_INSTRUCTION = 1;
export const MISS_NS_PER_CHILD = 100;
/** the bound goal 6 states for one walk's added latency on hardware-equivalent counts */
export const BOUND_US = 2000;

export const hardwareUs = (instructions: number, children: number) => (instructions * NS_PER_INSTRUCTION + children * MISS_NS_PER_CHILD) / 1000;

/** Renders the section; returns what is inconsistent enough to fail the run. */
export function renderScanLatency(g: GuestBench, md: string[]): string[] {
  const s = g.scanLatency;
  if (!s) return [];
  const failures: string[] = [];
  const shift = g.overheadGuest?.icountShift ?? 0;
  const instr = (ns: number) => ns / 2 ** shift;
  md.push('', `## Kernel-side latency the daemon adds per walk (guest: ${g.kernel}, TCG with \`-icount shift=${shift}\`)`, '');
  md.push(
    `The walk's entry program runs before the walk takes its locks, with preemption off, and its child scan is most of it: \`fsnotify_exporter_walk_entry_run_seconds\` times each run from the program's first instruction to the walk's start (the exit program is a fixed few hundred instructions). One directory of N negative dentries, one watch whose mask is switched until the scan has reached the list's end and twice more, a fresh daemon with \`--children-scan.interval=1h\` per row; *budget*: \`--children-scan.budget\`, children one run scans at most before the rest is left to later walks. Under icount a guest ns is an instruction; the longest run is the upper bound of the highest non-empty log2 bucket (up to 2× over). *Hardware-equivalent*, conservatively: ${NS_PER_INSTRUCTION} ns per instruction (IPC 0.5 at 2 GHz) plus ${MISS_NS_PER_CHILD} ns per child scanned in the run (a cold dentry, one DRAM miss).`,
    '',
  );
  md.push('| children | budget | walks | longest run, instructions (bucket bound) | mean run, instructions | scans cut by the budget | whole scans | children reported at the end | longest run, hardware-equivalent µs |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of s.rows) {
    const perRun = Math.min(r.children, r.budget);
    const us = hardwareUs(instr(r.maxRunNs), perRun);
    md.push(
      `| ${n0(r.children)} | ${r.budget === UNBOUNDED ? 'none' : n0(r.budget)} | ${r.walks} | ${n0(instr(r.maxRunNs))} | ${n0(instr(r.runNsSum / r.walks))} | ${r.budgetCuts} | ${r.scans} | ${n0(r.childrenReported)} | ${f(us, 0)} |`,
    );
    // a budgeted scan of N children is cut ceil(N / budget) - 1 times and ends once, with every child counted
    const cuts = Math.ceil(r.children / Math.min(r.budget, r.children)) - 1;
    if (r.budgetCuts !== cuts || r.scans !== 1) failures.push(`scan latency ${r.children}/${r.budget}: ${r.budgetCuts} cuts (expected ${cuts}), ${r.scans} whole scans (expected 1)`);
    if (Math.abs(r.childrenReported - r.children) > r.children * 0.01) failures.push(`scan latency ${r.children}/${r.budget}: ${r.childrenReported} children reported`);
  }
  // one creation per size, shared by its rows; rows from before it was recorded have none
  const created = s.rows.filter((r, i) => r.createSeconds !== undefined && s.rows.findIndex((q) => q.children === r.children) === i);
  if (created.length)
    md.push('', `Creating each directory's negative dentries (\`fsload.py negdents\`, one process): ${created.map((r) => `${n0(r.children)} in ${f(r.createSeconds as number, 1)} guest s (${n0(instr(((r.createSeconds as number) * 1e9) / r.children))} instructions per name)`).join(', ')}.`);
  const budgeted = s.rows.filter((r) => r.budget === s.defaultBudget);
  const worst = Math.max(...budgeted.map((r) => hardwareUs(instr(r.maxRunNs), Math.min(r.children, r.budget))));
  const largest = s.rows.filter((r) => r.budget === UNBOUNDED).sort((a, b) => b.children - a.children)[0];
  md.push(
    '',
    'Goal (issue 18):',
    '',
    '| goal | before | now | |',
    '|---|---|---|---|',
    `| the longest walk-entry run bounded: ≤ ${n0(BOUND_US)} µs per walk hardware-equivalent, at every size (${budgeted.map((r) => n0(r.children)).join(' / ')} children, budget ${n0(s.defaultBudget)}) | unbounded: ${largest ? `${f(hardwareUs(instr(largest.maxRunNs), largest.children) / 1000, 0)} ms at ${n0(largest.children)} children` : 'n/a'} | ${f(worst, 0)} µs | ${worst <= BOUND_US ? 'met' : '**missed**'} |`,
  );
  return failures;
}
