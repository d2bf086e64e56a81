// Runs inside a TCG guest (npm run bench boots it): what the probes cost the traced path.
//  1. ns per run of every program, kprobe vs fentry (kernel.bpf_stats_enabled=1)
//  2. the same file-access and watch-change workloads with no tracer, with the daemon (kprobe, fentry) and with an
//     equivalent bpftrace script, interleaved round by round so drift hits every mode alike
//  3. the child scan's cost: the walk as an independent bpftrace kprobe/kretprobe pair sees it,
//     with the scan on and off (--children-scan.cap=1)
// Absolute times under TCG are not the hardware's; the ratios are what to read.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  bpftraceWalkTimes,
  exitCodeAfter,
  fsload,
  fsloadInBackground,
  logger,
  scrape as scrapeText,
  SCRATCH,
  sleep,
  startBpftrace,
  startDaemon as startGuestDaemon,
  waitReady,
  walkFunction as findWalkFunction,
  writeResults,
  type GuestDaemon,
} from '../harness/guest-kit.js';
import { parseProm, sum } from '../harness/prom-text.js';
import { cpuNs } from './cpu-ns.js';
import type { GuestBench } from './report.js';
import { cgroupWaitsCost, churnCost } from './root-cause-bench.js';
import { scanLatency, UNBOUNDED } from './scan-latency.js';
import { CHILDREN_SCAN_BUDGET } from '../src/config/options.js';

const SHORT = process.env.BENCH_SHORT === '1';
// TCG's run-to-run noise is tens of %: long runs, many rounds, medians
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SHORT ? 1 : 5));
const ACCESS = SHORT ? { files: 100, rounds: 10 } : { files: 200, rounds: 300 };
// watch changes on a directory of its own: one watch whose mask is switched between a child event
// and a self-only event, so each switch to the child event walks the children, as an add does (the
// walk, watch-syscall and lock probes' path; the access workload exercises __fsnotify_parent's).
// Not adds and removes: a remove queues the mark reaper, whose SRCU waits made identical add+remove
// runs under icount differ by up to 35%, in steps of two timer ticks; mask switches repeat to 0.1%.
const WATCH = SHORT ? { children: 100, pairs: 100 } : { children: 1000, pairs: 2000 };
const SCAN_CHILDREN = SHORT ? 50_000 : 200_000;
// default: the daemon as it ships (fentry where the kernel allows, no __fsnotify_parent probe);
// kprobe, fentry: that mechanism with the opt-in --parent-calls probe on the hot path
const ALL_MODES = ['none', 'default', 'kprobe', 'fentry', 'bpftrace'] as const;
type Mode = (typeof ALL_MODES)[number];
// BENCH_MODES=none,default,bpftrace: a focused run of those modes only (iterating on one path's cost)
const MODES = ALL_MODES.filter((m) => (process.env.BENCH_MODES?.split(',') ?? ALL_MODES).includes(m));

const t0 = Date.now();
const log = logger('bench');
export const scrape = async () => parseProm(await scrapeText());
export const walkFunction = findWalkFunction() ?? '__fsnotify_update_child_dentry_flags';

export async function startDaemon(args: string[]): Promise<GuestDaemon> {
  const d = startGuestDaemon(['--log.level=warn', ...args]);
  if (!(await waitReady(d.child))) throw new Error(`daemon not ready (${args.join(' ')}): ${d.output().slice(-1000)}`);
  return d;
}

export const stop = async (d: GuestDaemon): Promise<void> => void (await exitCodeAfter(d.child, 'SIGINT'));

/**
 * Waits until a tracer that just started is idle (under 5% of a CPU over half a second, at most
 * 60 s): a daemon's JIT compilation and startup GC, or bpftrace still setting up after it prints
 * "Attaching", are not their steady-state cost (both landed in first timed runs under -icount).
 */
export async function settle(pid: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const before = cpuNs(pid);
    await sleep(500);
    if (cpuNs(pid) - before < 25e6) return;
  }
}

/**
 * The scrape that reads the programs' counters before a timed run, and the daemon's work after its
 * answer (the response's end, a young-generation GC) left to finish: the bench's own scrape is not
 * the traced path's cost.
 */
export async function scrapeAndSettle(pid: number): Promise<Map<string, number>> {
  const s = await scrape();
  await settle(pid);
  return s;
}

/** ns per run of each of our programs between two scrapes */
export function programCosts(before: Map<string, number>, after: Map<string, number>) {
  const costs: Record<string, { runs: number; nsPerRun: number }> = {};
  for (const key of after.keys()) {
    const m = /^fsnotify_exporter_bpf_program_runs_total\{program="(\w+)"\}$/.exec(key);
    if (!m) continue;
    const program = m[1] as string;
    const runs = sum(after, 'fsnotify_exporter_bpf_program_runs_total', { program }) - sum(before, 'fsnotify_exporter_bpf_program_runs_total', { program });
    const seconds = sum(after, 'fsnotify_exporter_bpf_program_run_seconds_total', { program }) - sum(before, 'fsnotify_exporter_bpf_program_run_seconds_total', { program });
    if (runs > 0) costs[program] = { runs, nsPerRun: Math.round((seconds * 1e9) / runs) };
  }
  return costs;
}

// bpftrace doing what the daemon does on this path: count __fsnotify_parent, histogram of walks
const BPFTRACE_EQUIVALENT = `kprobe:__fsnotify_parent { @calls = count(); }
kprobe:${walkFunction} { @s[tid] = nsecs; }
kretprobe:${walkFunction} /@s[tid]/ { @walk = hist(nsecs - @s[tid]); delete(@s[tid]); }
END { clear(@s); }`;

async function overhead() {
  const dir = `${SCRATCH}/access`;
  fsload('access', dir, ACCESS.files, 1); // create the files
  // the watch on the directory makes every open/read/close of a child go through __fsnotify_parent
  const watch = fsloadInBackground('hold-watch', dir, 3600);
  const watchDir = `${SCRATCH}/watch-changes`;
  fsload('files', watchDir, WATCH.children);
  await sleep(1000);
  const runs: Array<{
    round: number;
    mode: Mode;
    seconds: number;
    watchSeconds: number;
    tracerCpuSeconds?: number;
    watchTracerCpuSeconds?: number;
    parentCalls?: number;
    walks?: number;
    programs?: Record<string, { runs: number; nsPerRun: number }>;
  }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      let daemon: GuestDaemon | undefined;
      let bt: Awaited<ReturnType<typeof startBpftrace>> | undefined;
      if (mode === 'default') daemon = await startDaemon([]);
      if (mode === 'kprobe' || mode === 'fentry') daemon = await startDaemon([`--bpf.mechanism=${mode}`, '--parent-calls']);
      if (mode === 'bpftrace') bt = await startBpftrace(BPFTRACE_EQUIVALENT);
      const tracerPid = daemon?.child.pid ?? bt?.child.pid;
      if (tracerPid !== undefined) await settle(tracerPid);
      const before = daemon ? await scrapeAndSettle(tracerPid as number) : undefined;
      const cpuBefore = cpuNs(tracerPid);
      const r = fsload('access', dir, ACCESS.files, ACCESS.rounds);
      const cpuWatch = cpuNs(tracerPid);
      const w = fsload('mask-toggle', watchDir, WATCH.pairs);
      const entry: (typeof runs)[number] = { round, mode, seconds: r.seconds as number, watchSeconds: w.seconds as number };
      if (tracerPid !== undefined) entry.watchTracerCpuSeconds = (cpuNs(tracerPid) - cpuWatch) / 1e9;
      if (tracerPid !== undefined) entry.tracerCpuSeconds = (cpuNs(tracerPid) - cpuBefore) / 1e9;
      if (daemon && before) {
        const after = await scrape();
        entry.programs = programCosts(before, after);
        entry.parentCalls = sum(after, 'fsnotify_parent_calls_total') - sum(before, 'fsnotify_parent_calls_total');
        entry.walks = sum(after, 'fsnotify_walks_total') - sum(before, 'fsnotify_walks_total');
      }
      if (daemon) await stop(daemon);
      if (bt) await bt.stop();
      runs.push(entry);
      log(`round ${round} ${mode}: ${entry.seconds} s, watch changes ${entry.watchSeconds} s${entry.tracerCpuSeconds !== undefined ? `, tracer on CPU ${entry.tracerCpuSeconds.toFixed(4)} s` : ''}`);
    }
  }
  watch.kill();
  return { ops: ACCESS.files * ACCESS.rounds, watch: WATCH, runs };
}

// issue 16's creator probes on a lookup-heavy workload: lookups of missing names, each leaving a
// negative dentry (d_splice_alias with no inode on ext4), in a new directory per run
const LOOKUPS = SHORT ? 2000 : 20_000;
const CREATOR_MODES = ['none', 'creators-off', 'creators-on', 'bpftrace'] as const;
const instantiate = readFileSync('/proc/kallsyms', 'utf8').includes(' __d_instantiate\n') ? '__d_instantiate' : 'd_instantiate';
// bpftrace counting the same: per (comm, parent dentry, negative) on the same four functions
const BPFTRACE_CREATORS = `kprobe:d_splice_alias { @[comm, ((struct dentry *)arg1)->d_parent, arg0 == 0] = count(); }
kprobe:d_add { @[comm, ((struct dentry *)arg0)->d_parent, arg1 == 0] = count(); }
kprobe:${instantiate} { @[comm, ((struct dentry *)arg0)->d_parent, 0] = count(); }
kprobe:d_delete { @[comm, ((struct dentry *)arg0)->d_parent, 1] = count(); }
END { clear(@); }`;

async function creatorsCost() {
  const runs: Array<{ round: number; mode: string; seconds: number; tracerCpuSeconds?: number; programs?: Record<string, { runs: number; nsPerRun: number }> }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of CREATOR_MODES) {
      const daemon = mode === 'creators-on' || mode === 'creators-off' ? await startDaemon([`--creators=${mode === 'creators-on' ? 'on' : 'off'}`]) : undefined;
      const bt = mode === 'bpftrace' ? await startBpftrace(BPFTRACE_CREATORS) : undefined;
      const tracerPid = daemon?.child.pid ?? bt?.child.pid;
      if (tracerPid !== undefined) await settle(tracerPid);
      const before = daemon ? await scrapeAndSettle(tracerPid as number) : undefined;
      const cpuBefore = cpuNs(tracerPid);
      const r = fsload('negdents-as', 'lookupbench', `${SCRATCH}/lookups-${round}-${mode}`, LOOKUPS);
      const entry: (typeof runs)[number] = { round, mode, seconds: r.seconds as number };
      if (tracerPid !== undefined) entry.tracerCpuSeconds = (cpuNs(tracerPid) - cpuBefore) / 1e9;
      if (daemon && before) entry.programs = programCosts(before, await scrape());
      if (daemon) await stop(daemon);
      if (bt) await bt.stop();
      runs.push(entry);
      log(`creators round ${round} ${mode}: ${entry.seconds} s${entry.programs ? ` ${JSON.stringify(entry.programs)}` : ''}`);
      // kept run by run: a guest that hangs or times out later still leaves these
      writeResults('creators-partial.json', { lookups: LOOKUPS, bpftrace: BPFTRACE_CREATORS, runs });
    }
  }
  return { lookups: LOOKUPS, bpftrace: BPFTRACE_CREATORS, runs };
}

async function scanCost() {
  const dir = `${SCRATCH}/scan`;
  fsload('negdents', dir, SCAN_CHILDREN, 2);
  const bt = await startBpftrace(bpftraceWalkTimes(walkFunction));
  const walks = bt.walkNs;
  const samples: Array<{ scan: boolean; walkNs: number[]; oursNs: number }> = [];
  for (let rep = 0; rep < ROUNDS; rep++) {
    for (const scan of [true, false]) {
      // no per-run budget: one walk scans the whole list, the cost this section reports (the budget's: scanLatency)
      const daemon = await startDaemon(['--bpf.mechanism=fentry', '--children-scan.interval=1ms', `--children-scan.budget=${UNBOUNDED}`, ...(scan ? [] : ['--children-scan.cap=1'])]);
      const seen = walks().length;
      const before = await scrape();
      fsload('watch', dir);
      await sleep(1500);
      const after = await scrape();
      samples.push({
        scan,
        walkNs: walks().slice(seen),
        oursNs: (sum(after, 'fsnotify_walk_duration_seconds_sum') - sum(before, 'fsnotify_walk_duration_seconds_sum')) * 1e9,
      });
      await stop(daemon);
      log(`scan ${scan ? 'on' : 'off'}: bpftrace saw ${walks().slice(seen).join(', ')} ns`);
    }
  }
  await bt.stop();
  return { children: SCAN_CHILDREN, samples };
}

/**
 * Every program's cost under contention, with one mechanism: lookups of new names spin on the
 * d_lock of a directory being walked, so the lock probes run often (in the file-access runs they
 * never do: that guest has one vCPU), and watch adds and removes run the walk and watch probes.
 */
/** Two processes looking up new names in `dir` for `seconds` while its watch is added and removed `changes` times. */
async function lockContention(dir: string, seconds: number, changes: number): Promise<void> {
  const lookups = fsloadInBackground('lookups', dir, seconds, 2);
  const done = new Promise((r) => lookups.on('exit', r));
  await sleep(500);
  for (let i = 0; i < changes; i++) {
    fsload('watch', dir);
    await sleep(1500); // the mark reaper runs between removal and the next add
  }
  await done;
}

async function contentionCost(mechanism: 'fentry' | 'kprobe') {
  const dir = `${SCRATCH}/scan`;
  const daemon = await startDaemon([`--bpf.mechanism=${mechanism}`]);
  const before = await scrape();
  await lockContention(dir, SHORT ? 4 : 10, SHORT ? 2 : 5);
  const after = await scrape();
  await stop(daemon);
  const matched = sum(after, 'fsnotify_exporter_lock_probe_calls_total', { result: 'matched' }) - sum(before, 'fsnotify_exporter_lock_probe_calls_total', { result: 'matched' });
  const programs = programCosts(before, after);
  log(`${mechanism}: probes under contention: ${JSON.stringify(programs)}, ${matched} matched`);
  return { mechanism, matched, programs };
}

// which parts this guest runs: the overhead runs need a guest whose clock counts instructions
// (run.ts boots one with qemu -icount and one vCPU); the scan and lock parts need two vCPUs
// running at once, so they get a guest of their own
const PARTS = new Set((process.env.BENCH_PARTS ?? 'overhead,scan,lock').split(','));

async function main() {
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  // if a CPU locks up, the console shows where every CPU is (the guest boots with loglevel=3,
  // which hides the backtraces: one full run hung in the scan phase without leaving any)
  writeFileSync('/proc/sys/kernel/softlockup_all_cpu_backtrace', '1');
  writeFileSync('/proc/sys/kernel/printk', '5');
  const results: Partial<GuestBench> & { short: boolean } = {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    walkFunction,
    short: SHORT,
    cpus: readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length,
  };
  if (PARTS.has('overhead')) results.overhead = await overhead();
  if (PARTS.has('creators')) results.creators = await creatorsCost();
  // issue 18 goal 6: the walk entry's longest run, with and without the per-run budget
  if (PARTS.has('latency'))
    results.scanLatency = await scanLatency({ startDaemon: async (args) => { const d = await startDaemon(args); return { stop: () => stop(d) }; }, scrape }, SHORT ? [50_000] : [50_000, 200_000, 1_000_000], CHILDREN_SCAN_BUDGET);
  if (PARTS.has('scan')) results.scan = await scanCost();
  // every program that runs here, with each mechanism: the walk, watch-syscall and lock probes
  if (PARTS.has('lock')) results.contention = [await contentionCost('fentry'), await contentionCost('kprobe')];
  if (PARTS.has('churn')) results.churn = await churnCost(ROUNDS, SHORT);
  if (PARTS.has('waits')) results.cgroupWaits = await cgroupWaitsCost(ROUNDS, SHORT);
  results.seconds = (Date.now() - t0) / 1000;
  writeResults('bench.json', results);
}

main().catch((e) => {
  writeResults('bench.json', { error: String(e?.stack ?? e) });
  process.exit(1);
});
