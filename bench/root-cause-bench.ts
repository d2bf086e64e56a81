// Runs inside a TCG guest (guest-bench.ts calls it): what issue 16's watch-churn probes and its
// per-cgroup lock-wait recording cost, each next to bpftrace counting the same.
//  churn: watch adds and removes on one directory, no tracer / --creators=off / on / bpftrace,
//         interleaved round by round (the -icount guest: seconds are instructions)
//  waits: lookups spinning on the d_lock of a directory whose watch changes walk it (two vCPUs, so
//         no -icount): BPF time per lock slow-path call, from bpf_stats, off / on / bpftrace
import { execFileSync } from 'node:child_process';
import { fsload, fsloadInBackground, logger, SCRATCH, sleep, startBpftrace, writeResults } from '../harness/guest-kit.js';
import { sum } from '../harness/prom-text.js';
import { cpuNs } from './cpu-ns.js';
import { programCosts, scrape, scrapeAndSettle, settle, startDaemon, stop, walkFunction } from './guest-bench.js';

const log = logger('bench');

export const CHURN_MODES = ['none', 'creators-off', 'creators-on', 'bpftrace'] as const;
// bpftrace counting what the churn probes count: mark adds and detaches per comm and cgroup
export const BPFTRACE_CHURN = `kprobe:fsnotify_add_mark_locked { @[comm, cgroup, "add"] = count(); }
kprobe:fsnotify_detach_mark { @[comm, cgroup, "remove"] = count(); }
END { clear(@); }`;

export interface ChurnBench {
  pairs: number;
  bpftrace: string;
  runs: Array<{ round: number; mode: string; seconds: number; tracerCpuSeconds?: number; programs?: Record<string, { runs: number; nsPerRun: number }> }>;
}

export async function churnCost(rounds: number, short: boolean): Promise<ChurnBench> {
  // 20,000 pairs, ~0.5 s of guest time: the daemon's own reaction (a /proc rescan at most every 2 s
  // once marks change) landed in a 2,000-pair window of ~50 ms or missed it, thousands of
  // instructions a pair either way from round to round (docs/benchmark-findings.md)
  const pairs = short ? 200 : 20_000;
  const dir = `${SCRATCH}/churn`; // empty: the walk each add runs costs next to nothing
  const runs: ChurnBench['runs'] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const mode of CHURN_MODES) {
      const daemon = mode.startsWith('creators-') ? await startDaemon([`--creators=${mode === 'creators-on' ? 'on' : 'off'}`]) : undefined;
      const bt = mode === 'bpftrace' ? await startBpftrace(BPFTRACE_CHURN) : undefined;
      const tracerPid = daemon?.child.pid ?? bt?.child.pid;
      if (tracerPid !== undefined) await settle(tracerPid);
      const before = daemon ? await scrapeAndSettle(tracerPid as number) : undefined;
      const cpuBefore = cpuNs(tracerPid);
      const r = fsload('watch-churn', dir, pairs);
      const entry: ChurnBench['runs'][number] = { round, mode, seconds: r.seconds as number };
      if (tracerPid !== undefined) entry.tracerCpuSeconds = (cpuNs(tracerPid) - cpuBefore) / 1e9;
      if (daemon && before) entry.programs = programCosts(before, await scrape());
      if (daemon) await stop(daemon);
      if (bt) await bt.stop();
      runs.push(entry);
      log(`churn round ${round} ${mode}: ${entry.seconds} s${entry.programs ? ` ${JSON.stringify(entry.programs)}` : ''}`);
      writeResults('churn-partial.json', { pairs, bpftrace: BPFTRACE_CHURN, runs });
    }
  }
  return { pairs, bpftrace: BPFTRACE_CHURN, runs };
}

export const WAIT_MODES = ['creators-off', 'creators-on', 'bpftrace'] as const;
// bpftrace timing the same waits per cgroup: slow-path waits while a walk runs (a flag, where the
// daemon looks the lock up among the walked directories' locks), summed per cgroup
export const bpftraceWaits = (walk: string) => `kprobe:${walk} { @walking = 1; }
kretprobe:${walk} { @walking = 0; }
kprobe:native_queued_spin_lock_slowpath /@walking/ { @s[tid] = nsecs; }
kretprobe:native_queued_spin_lock_slowpath /@s[tid]/ { @[cgroup] = sum(nsecs - @s[tid]); delete(@s[tid]); }
END { clear(@s); clear(@); clear(@walking); }`;

/** run_time_ns and run_cnt of every loaded program (bpf_stats), by id */
function progStats(): Map<number, { name: string; type: string; ns: number; runs: number }> {
  const list = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as Array<{ id: number; name?: string; type: string; run_time_ns?: number; run_cnt?: number }>;
  return new Map(list.map((p) => [p.id, { name: p.name ?? '', type: p.type, ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 }]));
}

export interface WaitsBench {
  children: number;
  bpftrace: string;
  runs: Array<{ round: number; mode: string; walks: number; slowpathCalls: number; matched?: number; bpfNs: number; nsPerCall: number; programs: Record<string, { runs: number; ns: number }> }>;
}

/**
 * Walks `dir` over and over while two processes look up new names in it, for `seconds`: each
 * lookup's d_alloc takes the d_lock the walk holds, so the waits land in walked directories. Mask
 * toggles walk once a pair with no mark reaper between (a remove and add waits ~1 s for it).
 * Returns the walks started.
 */
async function walksUnderLookups(dir: string, seconds: number): Promise<number> {
  const lookups = fsloadInBackground('lookups', dir, seconds, 2);
  let running = true;
  lookups.once('exit', () => (running = false));
  await sleep(300); // the lookup processes forked and spinning
  let walks = 0;
  while (running) {
    fsload('mask-toggle', dir, TOGGLES_PER_BATCH);
    walks += TOGGLES_PER_BATCH;
    await sleep(1); // lets the lookups' exit event in
  }
  return walks;
}
const TOGGLES_PER_BATCH = 10;

/**
 * The lock slow path's BPF cost per call, entry and exit programs together: the daemon's
 * lock_wait_* programs (--creators=on adds the per-cgroup recording to the exit's matched waits),
 * bpftrace's two slow-path programs (its two most-run ones).
 */
export async function cgroupWaitsCost(rounds: number, short: boolean): Promise<WaitsBench> {
  const children = short ? 20_000 : 100_000;
  const dir = `${SCRATCH}/waits`;
  fsload('negdents', dir, children, 2);
  const script = bpftraceWaits(walkFunction);
  const runs: WaitsBench['runs'] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const mode of WAIT_MODES) {
      const daemon = mode.startsWith('creators-') ? await startDaemon(['--bpf.mechanism=fentry', `--creators=${mode === 'creators-on' ? 'on' : 'off'}`]) : undefined;
      const bt = mode === 'bpftrace' ? await startBpftrace(script) : undefined;
      const before = daemon ? await scrape() : undefined;
      const statsBefore = progStats();
      const walks = await walksUnderLookups(dir, short ? 4 : 10);
      const statsAfter = progStats();
      const deltas = [...statsAfter].map(([id, a]) => ({ name: a.name, type: a.type, ns: a.ns - (statsBefore.get(id)?.ns ?? 0), runs: a.runs - (statsBefore.get(id)?.runs ?? 0) }));
      let lock: typeof deltas;
      let matched: number | undefined;
      if (daemon && before) {
        const after = await scrape();
        matched = sum(after, 'fsnotify_exporter_lock_probe_calls_total', { result: 'matched' }) - sum(before, 'fsnotify_exporter_lock_probe_calls_total', { result: 'matched' });
        lock = deltas.filter((d) => d.name.startsWith('lock_wait_'));
        await stop(daemon);
      } else {
        lock = deltas.filter((d) => d.type === 'kprobe').sort((a, b) => b.runs - a.runs).slice(0, 2);
        await bt?.stop();
      }
      const slowpathCalls = Math.max(0, ...lock.map((d) => d.runs));
      const bpfNs = lock.reduce((n, d) => n + d.ns, 0);
      const entry = { round, mode, walks, slowpathCalls, ...(matched !== undefined ? { matched } : {}), bpfNs, nsPerCall: slowpathCalls ? bpfNs / slowpathCalls : NaN, programs: Object.fromEntries(lock.map((d) => [d.name, { runs: d.runs, ns: d.ns }])) };
      runs.push(entry);
      log(`waits round ${round} ${mode}: ${JSON.stringify(entry)}`);
      writeResults('waits-partial.json', { children, bpftrace: script, runs });
    }
  }
  return { children, bpftrace: script, runs };
}
