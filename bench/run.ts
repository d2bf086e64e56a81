// npm run bench [-- --short] [--kernel debian-6.1] [--no-guest] [--only host|guest|root-cause|proc-scan|steady] [--baseline <commit>]
// Runs the host and guest benchmarks in one go and writes docs/benchmarks.md and
// docs/benchmarks.json (with --short: .cache/bench/ instead, so a smoke run never overwrites
// the published numbers). Exits non-zero when a load run had errors or a goal is missed badly
// enough to be a bug rather than noise (see GATES).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { CACHE } from '../harness/guest/kernels.js';
import { guestFailure, runInVm } from '../harness/guest/vm.js';
import { LATENCY_WINDOWS } from './latency-windows.js';
import { bareNodeRssMb, DIR_STATS_ENTRIES, loadAndFootprint, moduleFootprint, peerScrape, scrapeScaling, startNodeExporter, UNIT_ENV, UNIT_NODE_FLAGS } from './host-bench.js';
import { procScanCost } from './proc-scan.js';
import { BASELINE_COMMIT, baselineBuild } from './baseline-build.js';
import { steadySideBySide } from './steady-side-by-side.js';
import { renderReport, type BenchResults, type GuestBench } from './report.js';

const o = new Command('bench')
  .option('--short', 'a smoke run: seconds instead of minutes, results under .cache/bench/')
  .option('--kernel <name>', 'guest kernel for the probe-cost runs (needs kprobes and fentry)', 'debian-6.1')
  .option('--no-guest', 'host benchmarks only')
  .option('--only <part>', 'host, guest, root-cause (the churn and cgroup-wait guests), proc-scan (the watcher scan on the host) or steady (the steady rows side by side with --baseline): run that part and keep the rest from the last full run (docs/benchmarks.json)')
  .option('--baseline <commit>', "the build goal 3's steady rows are scraped side by side with (HEAD: this build against itself, the tolerance's A/A)", BASELINE_COMMIT)
  .option('--guest-parts-from <file>', "with --only guest: no guest boot; the parts a focused guest run wrote (its bench.json) replace the last run's, the rest is kept")
  .parse()
  .opts<{ short?: boolean; kernel: string; guest: boolean; only?: string; baseline: string; guestPartsFrom?: string }>();
if (o.only !== undefined && !['host', 'guest', 'root-cause', 'proc-scan', 'steady'].includes(o.only)) {
  process.stderr.write(`bench: --only takes host, guest, root-cause, proc-scan or steady, not ${o.only}\n`);
  process.exit(2);
}

const short = o.short === true;
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

// The overhead runs time a workload in the guest. Under plain TCG a guest second is a host second,
// and the untraced runs alone spread 12-83% on this shared host, more than the slowdowns measured.
// Under -icount a guest nanosecond is an emulated instruction, so the same run takes the same guest
// time however busy the host is. qemu 7.2 cannot bring up a second x86 vCPU under -icount, so that
// guest has one, shared by the workload and the tracer, whose own user-space work therefore counts.
const ICOUNT_SHIFT = 0;

/** What guest-bench.ts wrote: the parts it ran, or why it could not. */
type GuestPart = Partial<GuestBench> & { error?: string };

async function guestPart(parts: string, icount: boolean): Promise<GuestPart> {
  const outDir = join(CACHE, `bench-${o.kernel}-${icount ? 'icount' : 'smp'}`);
  log(`guest ${parts} on ${o.kernel} (qemu TCG${icount ? `, -icount shift=${ICOUNT_SHIFT}, 1 vCPU` : ', 2 vCPUs'})`);
  const vm = await runInVm({
    kernel: o.kernel,
    command: `BENCH_SHORT=${short ? 1 : 0} BENCH_PARTS=${parts}${process.env.BENCH_ROUNDS ? ` BENCH_ROUNDS=${Number(process.env.BENCH_ROUNDS)}` : ''} node dist/bench/guest-bench.js`,
    outDir,
    timeoutSec: short ? 900 : 2400,
    onLine: (l) => log(`guest: ${l}`),
    ...(icount ? { smp: 1, icountShift: ICOUNT_SHIFT } : {}),
  });
  try {
    const r = JSON.parse(readFileSync(join(outDir, 'bench.json'), 'utf8')) as GuestPart;
    if (vm.status !== 0 && r.error === undefined) return { error: `guest exited ${vm.status}` };
    return r;
  } catch {
    return { error: guestFailure('no results from the guest', vm) };
  }
}

async function guestBench(): Promise<GuestBench | { error: string }> {
  // the smoke run's two guests at once: its numbers are not quoted, and CI's wall time is
  const both = short ? Promise.all([guestPart('overhead,creators,churn,latency', true), guestPart('scan,lock,waits', false)]) : undefined;
  const timed = both ? (await both)[0] : await guestPart('overhead,creators,churn,latency', true);
  if (timed.error !== undefined || !timed.overhead || timed.cpus === undefined) return { error: `overhead guest: ${timed.error ?? 'no overhead results'}` };
  const parallel = both ? (await both)[1] : await guestPart('scan,lock,waits', false);
  if (parallel.error !== undefined) return { error: `scan/lock guest: ${parallel.error}` };
  return {
    ...(parallel as GuestBench),
    overhead: timed.overhead,
    ...(timed.creators ? { creators: timed.creators } : {}),
    ...(timed.churn ? { churn: timed.churn } : {}),
    ...(timed.scanLatency ? { scanLatency: timed.scanLatency } : {}),
    overheadGuest: { cpus: timed.cpus, icountShift: ICOUNT_SHIFT },
  };
}

/** The churn (-icount) and cgroup-wait (two vCPUs) guests at once, merged into a previous guest run. */
async function rootCauseGuests(previous: GuestBench): Promise<GuestBench> {
  const date = new Date().toISOString();
  const [timed, parallel] = await Promise.all([guestPart('churn', true), guestPart('waits', false)]);
  if (timed.error !== undefined) log(`churn guest: ${timed.error}`);
  if (parallel.error !== undefined) log(`waits guest: ${parallel.error}`);
  return {
    ...previous,
    ...(timed.churn ? { churn: { ...timed.churn, date } } : {}),
    ...(parallel.cgroupWaits ? { cgroupWaits: { ...parallel.cgroupWaits, date } } : {}),
  };
}

/** Goal 3's steady rows beside the baseline build's (steady-side-by-side.ts), or why not. */
async function steadyRows(baseline: ReturnType<typeof baselineBuild>) {
  log(`steady scrapes side by side with ${baseline.commit} (host)`);
  if ('error' in baseline) return baseline;
  // 30 s windows: at 10,000 series both daemons, scraped in turn and settling between, get ~500 scrapes each a window
  return { ...(await steadySideBySide(baseline, [{ directorySeries: 100 }, { series: 1000 }, { series: 10_000 }], short ? 2 : 30, short ? 2 : LATENCY_WINDOWS, log)), date: new Date().toISOString() };
}

async function hostBench() {
  // built before anything is measured: npm ci and tsc would load the host under the first rows
  const baseline = baselineBuild(o.baseline, log);
  // node_exporter, the peer SREs already run, in the same run: idle alongside the daemon's idle
  // phase, and scraped as the daemon is, at its own series count and ours at the same count
  log('node_exporter (host)');
  const ne = await startNodeExporter();
  try {
    const neScrape = await peerScrape(ne, short ? 2 : 15);
    log('scrape latency by series count (host)');
    // the issue's 100 / 1,000 / 10,000: 100 directory series (the fixed set alone is ~360), then
    // 1,000 and 10,000 series in all; then node_exporter's count
    // then the default --top-directories over a full dir_stats: a busy host's map, cut to 20
    const scrape = await scrapeScaling([{ directorySeries: 100 }, { series: 1000 }, { series: 10_000 }, { series: neScrape.series }, { topDirectories: 20, directoriesInMap: DIR_STATS_ENTRIES }], short ? 2 : 15);
    const steady = await steadyRows(baseline);
    log('load and footprint (host)');
    // idle and storm for several minutes each (the issue), so RSS drift and idle wakeups show
    // at the 1,000-series row's --top-directories, as the footprint goals are stated
    const { peerIdle, peerIdleFirst, ...host } = await loadAndFootprint(short ? 3 : 60, short ? 5 : 180, short ? 10 : 300, scrape[1]!.topDirectories, ne);
    log('bare node and module footprint (host)');
    return {
      host: { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memGb: Math.round(totalmem() / 2 ** 30), node: process.version, nodeFlags: UNIT_NODE_FLAGS, nodeEnv: Object.fromEntries(Object.entries(UNIT_ENV).map(([k, v]) => [k, v ?? null])) },
      scrape,
      steadySideBySide: steady,
      ...host,
      nodeExporter: { version: ne.version, scrape: neScrape, idle: peerIdle!, idleFirst: peerIdleFirst! },
      bareNodeRssMb: await bareNodeRssMb(),
      modules: moduleFootprint(),
    };
  } finally {
    await ne.stop();
  }
}

/**
 * A focused guest run's parts (e.g. BENCH_PARTS=overhead,latency in an -icount guest) over the last
 * run's guest results, and which parts it brought, dated when its bench.json was written.
 */
function focusedGuestParts(previous: BenchResults, file: string): { guest: BenchResults['guest']; focused: { date: string; parts: string[] } } {
  const focusedRun = JSON.parse(readFileSync(file, 'utf8')) as GuestPart;
  const date = statSync(file).mtime.toISOString();
  const focused = { date, parts: (['overhead', 'creators', 'scanLatency', 'churn'] as const).filter((k) => focusedRun[k] !== undefined) };
  if (focusedRun.error !== undefined) return { guest: { error: focusedRun.error }, focused };
  const base = previous.guest && !('error' in previous.guest) ? previous.guest : undefined;
  if (!base) throw new Error('--guest-parts-from needs the last run\'s guest results to merge into');
  const { overhead, creators, scanLatency, churn, kernel } = focusedRun;
  const guest = {
    ...base,
    ...(overhead ? { overhead, overheadGuest: { cpus: focusedRun.cpus ?? 1, icountShift: ICOUNT_SHIFT } } : {}),
    ...(creators ? { creators } : {}),
    ...(scanLatency ? { scanLatency } : {}),
    ...(churn ? { churn: { ...churn, date } } : {}),
    ...(kernel ? { kernel } : {}),
  };
  return { guest, focused };
}

/** The host part of a previous run's results. */
function hostPart(r: BenchResults): Pick<BenchResults, 'host' | 'scrape' | 'steadySideBySide' | 'load' | 'rssAfterLoad' | 'footprintSeries' | 'idleFirst' | 'idle' | 'idleMemory' | 'storm' | 'dropCounters' | 'alive' | 'nodeExporter' | 'bareNodeRssMb' | 'modules'> {
  const { host, scrape, steadySideBySide, load, rssAfterLoad, footprintSeries, idleFirst, idle, idleMemory, storm, dropCounters, alive, nodeExporter, bareNodeRssMb, modules } = r;
  return { host, scrape, ...(steadySideBySide ? { steadySideBySide } : {}), load, rssAfterLoad, footprintSeries, ...(idleFirst ? { idleFirst } : {}), idle, idleMemory, storm, dropCounters, alive, nodeExporter, bareNodeRssMb, modules };
}

async function main() {
  const date = new Date().toISOString();
  const dir = short ? join(CACHE, '..', 'bench') : 'docs';
  // --only: the other part comes from the last full run, with its own date
  const previous = o.only && existsSync(join(dir, 'benchmarks.json')) ? (JSON.parse(readFileSync(join(dir, 'benchmarks.json'), 'utf8')) as BenchResults) : undefined;
  if (o.only && !previous) throw new Error(`--only ${o.only} needs a previous run in ${dir}/benchmarks.json`);
  const keepHost = (o.only === 'guest' || o.only === 'root-cause' || o.only === 'proc-scan' || o.only === 'steady') && previous;
  // a smoke run's guests boot while the host part runs (CI's wall time; its numbers are not quoted)
  const early = short && o.guest && !o.only && !o.guestPartsFrom ? guestBench() : undefined;
  early?.catch(() => undefined); // awaited below; a host part that throws first must not leave it unhandled
  const kept = keepHost ? { ...hostPart(previous), hostDate: previous.hostDate ?? previous.date } : undefined;
  // --only steady: the side-by-side again, its own date on it, the rest of the host part kept
  const host = kept && o.only === 'steady' ? { ...kept, steadySideBySide: await steadyRows(baselineBuild(o.baseline, log)) } : (kept ?? { ...(await hostBench()), hostDate: date });
  const keptGuest = previous?.guest && !('error' in previous.guest) ? previous.guest : undefined;
  if (o.only === 'root-cause' && !keptGuest) throw new Error('--only root-cause needs a previous guest run in benchmarks.json');
  const focusedRun = o.guestPartsFrom && previous ? focusedGuestParts(previous, o.guestPartsFrom) : undefined;
  const guest =
    (o.only === 'host' || o.only === 'proc-scan' || o.only === 'steady') && previous
      ? previous.guest
      : o.only === 'root-cause' && keptGuest
        ? await rootCauseGuests(keptGuest)
        : focusedRun
          ? focusedRun.guest
          : o.guest
            ? await (early ?? guestBench())
            : undefined;
  // a focused run replaces some guest parts: the rest keep the date of the run they came from
  const keepsGuestDate = (o.only === 'host' || o.only === 'root-cause' || o.only === 'proc-scan' || o.only === 'steady' || o.guestPartsFrom !== undefined) && previous;
  const guestDate = keepsGuestDate ? (previous.guestDate ?? previous.date) : date;
  const guestFocused = focusedRun
    ? focusedRun.focused
    : o.only === 'host' || o.only === 'proc-scan' || o.only === 'steady'
      ? previous?.guestFocused // the guest part kept whole
      : undefined;
  // the watcher scan's user-space cost, with every run but --only guest (which keeps the last one)
  const procScan = o.only === 'guest' || o.only === 'steady' ? previous?.procScan : { ...(await procScanCost(short ? 100 : 500, short ? 20 : 100, short ? 200 : 2000)), date };
  const results: BenchResults = { date, short, ...host, guest, guestDate: guest ? guestDate : undefined, ...(guest && guestFocused ? { guestFocused } : {}), ...(procScan ? { procScan } : {}) };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'benchmarks.json'), JSON.stringify(results, null, 1));
  const { markdown, failures } = renderReport(results);
  writeFileSync(join(dir, 'benchmarks.md'), markdown);
  log(`wrote ${join(dir, 'benchmarks.md')}`);
  process.stdout.write(markdown);
  if (failures.length) {
    for (const f of failures) log(`FAILED: ${f}`);
    process.exit(1);
  }
}

main().catch((e) => {
  log(`error: ${e?.message ?? e}`);
  process.exit(1);
});
