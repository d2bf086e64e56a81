// The creator probes' section of docs/benchmarks.md (issue 16): lookups of missing names with no
// tracer, the daemon with --creators=off and on, and bpftrace counting the same.
import type { GuestBench } from './report.js';



export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
export const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

const LABELS: Record<string, string> = {
  none: 'none',
  'creators-off': 'fsnotify-exporter `--creators=off`',
  'creators-on': 'fsnotify-exporter (as shipped, `--creators=on`)',
  bpftrace: 'bpftrace (kprobes on the same four functions, `@[comm, parent, negative] = count()`)',
};

/** Interleaved runs of one workload by tracer mode: medians, slowdown against the same round's untraced run, extra time per op. */
export function interleaved<R extends { round: number; mode: string; seconds: number }>(runs: readonly R[], ops: number, icountShift = 0) {
  const runsOf = (m: string) => runs.filter((x) => x.mode === m);
  const noneOf = (round: number) => runsOf('none').find((x) => x.round === round)?.seconds ?? NaN;
  const slow = (m: string) => median(runsOf(m).map((x) => x.seconds / noneOf(x.round) - 1));
  const med = (m: string) => median(runsOf(m).map((x) => x.seconds));
  const perOp = (m: string) => ((med(m) - med('none')) * 1e9) / 2 ** icountShift / ops;
  return { runsOf, slow, med, perOp };
}

export function renderCreators(g: GuestBench, md: string[]): void {
  const c = g.creators;
  if (!c) return;
  const ic = g.overheadGuest;
  const { runsOf, slow, med, perOp: perLookup } = interleaved(c.runs, c.lookups, ic?.icountShift);
  md.push('', `## Dentry-creator probes (guest: ${g.kernel}${ic ? `, ${ic.cpus} vCPU, TCG with \`-icount shift=${ic.icountShift}\`` : ''})`, '');
  md.push(
    `${c.date ? `Measured ${c.date.slice(0, 10)}, apart from the rest of this report. ` : ''}${c.lookups} lookups of missing names by one process, in a new directory per run (each leaves a negative dentry: \`d_splice_alias\` with no inode on ext4), ${Math.max(...c.runs.map((x) => x.round))} rounds with the modes interleaved. Slowdown: the median over rounds against the untraced run of the same round.`,
    '',
    `| tracer | seconds (median) | slowdown vs none | extra ${ic ? 'instructions' : 'ns'} per lookup | tracer on CPU, ms |`,
    '|---|---|---|---|---|',
  );
  for (const m of ['none', 'creators-off', 'creators-on', 'bpftrace'])
    md.push(`| ${LABELS[m]} | ${f(med(m), 4)} | ${m === 'none' ? '–' : `${f(slow(m) * 100, 1)}%`} | ${m === 'none' ? '–' : f(perLookup(m), 0)} | ${m === 'none' ? '–' : f(median(runsOf(m).map((x) => x.tracerCpuSeconds ?? NaN)) * 1000, 1)} |`);
  const programs = [...new Set(runsOf('creators-on').flatMap((x) => Object.keys(x.programs ?? {})))].filter((p) => p.startsWith('creators_') || p.startsWith('churn_'));
  if (programs.length)
    md.push('', `Per run of each creator program (bpf_stats, median): ${programs.map((p) => `\`${p}\` ${f(median(runsOf('creators-on').flatMap((x) => (x.programs?.[p] ? [x.programs[p].nsPerRun] : []))), 0)} ${ic ? 'instructions' : 'ns'}`).join(', ')}.`);
  md.push('', 'The bpftrace script:', '', '```', c.bpftrace, '```');
  const ours = slow('creators-on') - slow('creators-off');
  const whole = slow('creators-on');
  const bt = slow('bpftrace');
  const more = 'They keep more per call than bpftrace\'s one map: per-kind counts per directory and per (directory, cgroup, comm), the last tgid, the directory\'s path once. `--creators=off` leaves them unloaded.';
  md.push(
    '',
    ours <= bt
      ? `The creator probes add ${f(ours * 100, 1)}% (on − off) against bpftrace's ${f(bt * 100, 1)}%: no more than bpftrace counting the same.`
      : `**The creator probes cost more than bpftrace here**: ${f(ours * 100, 1)}% (on − off) against bpftrace's ${f(bt * 100, 1)}%. ${more}`,
    '',
    whole <= bt
      ? `The daemon as shipped, every probe included: ${f(whole * 100, 1)}% against bpftrace's ${f(bt * 100, 1)}%.`
      : `The daemon as shipped, every probe included, costs more than bpftrace on this workload: ${f(whole * 100, 1)}% against ${f(bt * 100, 1)}% (${f(perLookup('creators-on') - perLookup('bpftrace'), 0)} ${ic ? 'instructions' : 'ns'} more per lookup). ${more}`,
  );
}
