// A coexistence run's results (coexist.json) in a few lines, for the log and docs/reliability.md.
//   node dist/harness/coexist/summary.js <coexist.json>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Cycle {
  cycle: number;
  signal: string;
  readyMs: number;
  exitMs: number;
  adds: number;
  addsDuringAttach: number;
  addsDuringDetach: number;
  daemonWalks?: number;
  seconds: number;
  kprobes: Record<string, number>;
  fentries: Record<string, number>;
  problems: string[];
}
export interface CoexistResults {
  kernel: string;
  mechanism?: string;
  children: number;
  calibration?: { adds: number; walks: number };
  cycles: Cycle[];
  done?: boolean;
}

const range = (xs: number[]) => (xs.length ? `${Math.min(...xs)}–${Math.max(...xs)}` : '-');

export function summarize(r: CoexistResults): string[] {
  const c = r.cycles;
  // each cycle's new shortfall of the fentry tool's walk exits against its walk entries
  let before = 0;
  const exitLoss = c.map((x) => {
    const total = (x.fentries.walk_entry ?? 0) - (x.fentries.walk_exit ?? 0);
    const d = total - before;
    before = total;
    return d;
  });
  const kprobeExact = c.every((x) => x.kprobes.walk_entry === x.kprobes.walk_exit && x.kprobes.add_entry === x.kprobes.add_exit);
  return [
    `${r.kernel}, daemon ${r.mechanism ?? 'fentry'}, ${r.children} children: ${c.length} cycles (${c.filter((x) => x.signal === 'SIGKILL').length} SIGKILL)${r.done ? '' : ', run not finished'}`,
    `cycle ${range(c.map((x) => Math.round(x.seconds)))} s; ready after ${range(c.map((x) => Math.round(x.readyMs / 1000)))} s; exit ${range(c.map((x) => x.exitMs))} ms after the signal`,
    `walks: ${c.reduce((n, x) => n + x.adds, 0)} in the cycles (${range(c.map((x) => x.addsDuringAttach))} a cycle while attaching, ${range(c.map((x) => x.addsDuringDetach))} while detaching); the daemon counted ${range(c.map((x) => x.daemonWalks ?? 0))} a cycle while ready`,
    `kprobe tool exact in every cycle: ${kprobeExact && c.every((x) => !x.problems.some((p) => p.startsWith('kprobe')))}; fentry tool's walk exits short by ${exitLoss.join(', ')} a cycle`,
    `cycles with problems: ${c.filter((x) => x.problems.length).length}; other than fexit shortfalls: ${c.filter((x) => x.problems.some((p) => !/^fentry .* exits:/.test(p))).map((x) => x.cycle).join(', ') || 'none'}`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of process.argv.slice(2)) for (const l of summarize(JSON.parse(readFileSync(f, 'utf8')) as CoexistResults)) process.stdout.write(`${l}\n`);
}
