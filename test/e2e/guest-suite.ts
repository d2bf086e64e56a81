// Runs inside the guest (npm run vm): starts the real daemon, drives the real workloads, scrapes
// /metrics around each, and writes everything to $VM_OUT/results.json for the host to assert on.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bpftraceWalkTimes,
  exitCodeAfter,
  fsload,
  fsloadInBackground,
  get,
  getJson,
  leftovers,
  logger,
  OUT,
  PORT,
  scrape,
  SCRATCH,
  sleep,
  startBpftrace,
  startDaemon as startGuestDaemon,
  waitReady,
  walkFunction,
  walksRunning,
  writeResults,
  type Bpftrace,
  type GuestDaemon,
} from '../../harness/guest-kit.js';
import { MAIN } from '../../harness/daemon.js';
import { BOUNDED_WALK_PROGRAMS, verifierStats } from '../../harness/verifier-stats.js';
import { errnoName } from '../../src/bpf/errors.js';
import { probeBpfFeatures } from '../../src/bpf/features.js';
import { parseProm, sum } from '../../harness/prom-text.js';
import { HERD_MAX_BATCHES, HERD_ROUNDS, SCAN_BUDGET, SLOW_WALK_THRESHOLD_MS, STORM } from '../../harness/workload-sizes.js';
import { herdLockWaits } from './race-checks.js';
import { planFor, runSoak } from '../soak/soak-run.js';
import type { SuiteResults } from './results.js';
import { creatorsAndChurn, flood, removeStallCgroup, stallCgroup, walksDuringLookups, watcherBeforeDaemon } from './root-cause.js';

const N = Number(process.env.E2E_NEGATIVE ?? 200_000);
const M = Number(process.env.E2E_POSITIVE ?? 50_000);
const SCALE = (process.env.E2E_SCALE ?? '50000,200000,800000').split(',').map(Number);
/** smoke: workloads 1 and 6 and a clean exit only (the kernels the full suite does not cover: README) */
const SMOKE = process.env.E2E_MODE === 'smoke';
/** A command's exit status and stderr, without blocking the event loop (spawnSync would). */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** minutes of the short soak at the end of the oldfsnotify suite (0: none) */
const SOAK_MINUTES = Number(process.env.E2E_SOAK_MINUTES ?? 2);
const soakHere = () => SOAK_MINUTES > 0 && String(results.kernel).includes('oldfsnotify');

const results: Partial<SuiteResults> = { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), steps: {} };
const steps = results.steps as Record<string, unknown>;
const t0 = Date.now();
const log = logger('e2e');
const save = () => writeResults('results.json', results);

/**
 * The daemon as the suite runs it: reachable from the host's Prometheus, slow walks from 5 ms,
 * the opt-in __fsnotify_parent probe, which the herd report counts, and no per-run scan budget
 * below the cap.
 */
const startDaemon = (extra: string[] = [], wrapper: string[] = []): GuestDaemon =>
  startGuestDaemon([`--slow-walk.threshold=${SLOW_WALK_THRESHOLD_MS}ms`, '--parent-calls', `--children-scan.budget=${SCAN_BUDGET}`, ...extra], { wrapper, allInterfaces: true, logFile: 'daemon.log' });

/** The capabilities systemd/fsnotify-exporter.service grants, as setpriv spells them (cap_bpf → bpf). */
function unitCapabilities(): string[] {
  const unit = readFileSync('systemd/fsnotify-exporter.service', 'utf8');
  const line = /^CapabilityBoundingSet=(.*)$/m.exec(unit)?.[1] ?? '';
  return line.trim().split(/\s+/).map((c) => c.replace(/^CAP_/, '').toLowerCase());
}

const boundingSet = (caps: string[]) => ['setpriv', `--bounding-set=-all,${caps.map((c) => `+${c}`).join(',')}`];

function capabilitiesOf(pid: number): Record<string, string> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Object.fromEntries([...status.matchAll(/^(Cap\w+):\s*([0-9a-f]+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

/**
 * With E2E_PROMETHEUS=1 the host's Prometheus observes the daemon at named points: the guest
 * prints a marker and waits (at most 2 minutes) until the host writes $VM_OUT/checkpoint-<name>.done.
 */
async function checkpoint(name: string): Promise<void> {
  if (process.env.E2E_PROMETHEUS !== '1') return;
  process.stdout.write(`@@CHECKPOINT ${name}\n`);
  const done = join(OUT, `checkpoint-${name}.done`);
  for (let i = 0; i < 1200 && !existsSync(done); i++) await sleep(100);
  log(`checkpoint ${name}: ${existsSync(done) ? 'host done' : 'host did not answer'}`);
}

/**
 * The daemon stalled (SIGSTOP) while slow walks keep coming: the ring buffer fills and the kernel
 * counts what it could not reserve; after SIGCONT every slow walk is either read or counted lost.
 * Then more new directories are walked than dir_stats holds: the LRU evicts, and says so.
 */
async function storm(daemon: GuestDaemon): Promise<SuiteResults['storm']> {
  const before = await scrape();
  process.kill(daemon.child.pid as number, 'SIGSTOP');
  const toggles = fsload<SuiteResults['storm']['toggles']>('mask-toggle', `${SCRATCH}/neg`, STORM.maskPairs);
  process.kill(daemon.child.pid as number, 'SIGCONT');
  // drained when every slow walk is accounted for (the ring is read on a timer)
  let afterStall = await scrape();
  for (let i = 0; i < 100; i++) {
    const m = parseProm(afterStall);
    const accounted = sum(m, 'fsnotify_exporter_slow_walk_events_read_total') + sum(m, 'fsnotify_exporter_events_lost_total');
    if (accounted >= sum(m, 'fsnotify_slow_walks_total')) break;
    await sleep(100);
    afterStall = await scrape();
  }
  const listed = (await getJson<{ events: unknown[] }>('/api/v1/slow-walks?limit=1000')).events.length;
  const newDirs = fsload<SuiteResults['storm']['newDirs']>('new-dirs', `${SCRATCH}/new`, STORM.newDirs);
  await sleep(500);
  const afterNewDirs = await scrape();
  const readyz = (await get('/readyz')).status;
  return { toggles, newDirs, before, afterStall, listed, afterNewDirs, readyz };
}

/** Workload 6 under bpftrace: more directories than --top-directories, each walked once. */
/** Workload 6 under bpftrace, a new session or one already running (its walks from `from` on). */
async function manyDirs(walkFn: string, running?: Bpftrace): Promise<SuiteResults['manyDirs']> {
  const bt = running ?? (await startBpftrace(bpftraceWalkTimes(walkFn)));
  const from = bt.walkNs().length;
  const before = await scrape();
  steps.manyDirs = fsload('many-dirs', `${SCRATCH}/many`, 30, 200);
  await sleep(500);
  const after = await scrape();
  log('workload 6: 30 directories walked; stopping bpftrace');
  await bt.stop();
  return { before, after, bpftrace: bt.walkNs().slice(from) };
}

/** Waits (10 s at most) until bpftrace has printed `n` walks: it prints them as it reads its buffer. */
async function bpftraceCaughtUp(bt: Bpftrace, n: number): Promise<void> {
  for (let i = 0; i < 100 && bt.walkNs().length < n; i++) await sleep(100);
}

async function main() {
  log(`kernel ${results.kernel}`);
  // the guest boots with loglevel=3: let errors (the OOM killer, a soft lockup) reach the console
  writeFileSync('/proc/sys/kernel/printk', '4');
  // the daemon runs the bounded walk programs here: how close the verifier came to its limit
  const features = probeBpfFeatures(errnoName);
  if (!features.bpfLoop) results.verifier = verifierStats(BOUNDED_WALK_PROGRAMS);
  features.release();
  // the herd needs some other mark on the same file system (fsnotify_parent returns early without one)
  const otherMark = fsloadInBackground('hold-watch', `${SCRATCH}/other`, 3600);
  await sleep(500);
  // a 2 s soft-lockup threshold and a 0.4% ratio (8 ms) make a TCG-sized walk (10-100 ms) "near" a lockup,
  // and a 10 ms check interval catches it while it runs
  writeFileSync('/proc/sys/kernel/watchdog_thresh', '1');
  // issue 16: a watcher and a cgroup that exist before the daemon does
  const watcher = watcherBeforeDaemon();
  const cg = stallCgroup();
  let daemon = startDaemon(['--near-softlockup.ratio=0.004', '--near-softlockup.check-interval=10ms']);
  const t = Date.now();
  results.ready = await waitReady(daemon.child);
  results.readySeconds = (Date.now() - t) / 1000;
  log(`daemon ready: ${results.ready} in ${results.readySeconds} s`);
  if (!results.ready) return save();
  await checkpoint('quiet');

  // 1. negative dentries, watch add, with bpftrace watching the same function
  steps.negdents = fsload('negdents', `${SCRATCH}/neg`, N, 4);
  log(`created ${N} negative dentries`);
  const walkFn = walkFunction();
  if (!walkFn) throw new Error('neither walk function is in /proc/kallsyms');
  const bt = await startBpftrace(bpftraceWalkTimes(walkFn));
  const m0 = await scrape();
  steps.watchNeg = fsload('watch', `${SCRATCH}/neg`);
  await sleep(1000);
  const m1 = await scrape();
  // a second watch add after the reaper, with the child count cached (--children-scan.interval):
  // bpftrace's kprobe fires before our fentry's child scan, so only a walk without a scan compares
  await sleep(1500);
  steps.watchNeg2 = fsload('watch', `${SCRATCH}/neg`);
  await sleep(1000);
  results.m1b = await scrape();
  // one bpftrace session over workloads 1 and 6: every attach and detach of its kprobes beside our
  // fentry on the same function is one more chance of the guest hang issue 20 tracks
  await bpftraceCaughtUp(bt, sum(parseProm(results.m1b), 'fsnotify_walks_total') - sum(parseProm(m0), 'fsnotify_walks_total'));
  results.bpftrace = bt.walkNs();
  results.m0 = m0;
  results.m1 = m1;
  log('workload 1 done');

  // 6. more directories than --top-directories (20), each walked once; the top-K is read after workload 5
  results.manyDirs = await manyDirs(walkFn, bt);
  log('workload 6 done');
  if (SMOKE) {
    results.sigtermExit = await exitCodeAfter(daemon.child, 'SIGTERM');
    results.afterSigterm = leftovers();
    otherMark.kill();
    watcher.kill();
    results.seconds = (Date.now() - t0) / 1000;
    return save();
  }

  // issue 16: who fills a directory (by comm, 3,517 negative dentries), who churns its watches
  results.rootCause = await creatorsAndChurn(watcher);
  log('root cause: creators and churn done');
  if (process.env.E2E_PROMETHEUS === '1') {
    await flood(checkpoint);
    log('root cause: flood done');
  }

  // 2. positive dentries
  steps.files = fsload('files', `${SCRATCH}/pos`, M);
  const m2a = await scrape();
  steps.watchPos = fsload('watch', `${SCRATCH}/pos`);
  await sleep(500);
  results.m2a = m2a;
  results.m2 = await scrape();
  log('workload 2 done');

  // 3. scaling: one directory per size, one watch add each
  results.scaling = [];
  for (const n of SCALE) {
    const dir = n === N ? `${SCRATCH}/neg` : `${SCRATCH}/scale-${n}`;
    // the herd's files first: new dentries go to the head of the child list, so the walk reaches
    // these last and an opener that starts during a walk still has its flag (race-checks.ts)
    if (n === Math.max(...SCALE)) {
      mkdirSync(dir, { recursive: true });
      fsload('herd', dir, 4, 0);
    }
    if (n !== N) fsload('negdents', dir, n, 4);
    // two walks per size: the host takes the shorter, so one preempted vCPU does not decide
    const before = await scrape();
    fsload('watch', dir);
    await sleep(500);
    const mid = await scrape();
    await sleep(1000); // the mark reaper runs between removal and the next add
    fsload('watch', dir);
    await sleep(500);
    results.scaling.push({ n, dir, before, mid, after: await scrape() });
    log(`scaling ${n} done`);
  }

  // 4. contention: lookups of new names in the biggest directory while walks run on it
  const big = `${SCRATCH}/scale-${Math.max(...SCALE)}`;
  const c0 = await scrape();
  // the lookups run in a cgroup of their own (made at the start): their waits must show under it (issue 16)
  await walksDuringLookups(cg.path, big, async () => {
    for (let i = 0; i < 5; i++) {
      fsload('watch', big);
      await sleep(1500); // the mark reaper runs between removal and the next add
    }
  });
  results.contention = { dir: big, before: c0, after: await scrape() };
  results.stall = { cgroup: cg.label, dir: big, dirPath: big.slice(SCRATCH.length), before: c0, after: results.contention.after, directories: await getJson<unknown[]>('/api/v1/directories') };
  removeStallCgroup();
  log('workload 4 done');

  // 5. herd: only the old kernel re-walks from __fsnotify_parent
  const h0 = await scrape();
  // in the biggest directory, whose child list ends with the openers' files (step 3): an opener
  // that starts at any point of another's walk queues on its locks, then walks too. Two vCPU
  // threads of a shared host may still not overlap in one round: batches run until a wait is seen
  let herdAfter = h0;
  let herdRounds = 0;
  for (let batch = 0; batch < HERD_MAX_BATCHES; batch++) {
    steps.herd = fsload('herd', big, 4, HERD_ROUNDS);
    herdRounds += HERD_ROUNDS;
    await sleep(1000);
    herdAfter = await scrape();
    if (Object.values(herdLockWaits(h0, herdAfter)).some((n) => n > 0) || !String(results.kernel).includes('oldfsnotify')) break; // new kernels: no herd to wait for
  }
  results.herd = { before: h0, after: herdAfter, rounds: herdRounds };
  log('workload 5 done');

  // the top-K after every workload: the series stay bounded, the heaviest directories keep theirs
  results.topK = { before: results.manyDirs.before, after: await scrape() };
  // every workload's walks have ended: the walk probes' host-wide count is back to 0 (read three
  // times 200 ms apart, so a walk some other process starts meanwhile cannot fail it alone)
  results.walksRunning = [];
  for (let i = 0; i < 3; i++) {
    if (i) await sleep(200);
    results.walksRunning.push(walksRunning(daemon.child.pid as number) ?? -1);
  }

  await checkpoint('loaded');
  results.daemonLog = readFileSync(join(OUT, 'daemon.log'), 'utf8');
  results.slowWalks = await getJson<SuiteResults['slowWalks']>('/api/v1/slow-walks?limit=1000');

  // 7. clean exit: SIGTERM, then SIGKILL of a second daemon
  results.sigtermExit = await exitCodeAfter(daemon.child, 'SIGTERM');
  results.afterSigterm = leftovers();
  daemon = startDaemon([`--slow-walk.threshold=${STORM.slowWalkThreshold}`, `--slow-walk.max-events=${STORM.maxEvents}`]);
  results.restartReady = await waitReady(daemon.child);
  results.whileRunning = leftovers();
  results.storm = await storm(daemon);
  log('storm done');
  results.sigkillExit = await exitCodeAfter(daemon.child, 'SIGKILL');
  await sleep(500);
  results.afterSigkill = leftovers();
  // the soak below restarts after each of its SIGKILLs: one daemon start less of CI's budget
  if (!soakHere()) {
    daemon = startDaemon();
    results.restartAfterKillReady = await waitReady(daemon.child);
    await exitCodeAfter(daemon.child, 'SIGTERM');
  }
  log('workload 7 done');

  // 8. exactly the systemd unit's capabilities (a bounding set, as systemd applies it to root):
  // the walk probes attach, every capability is dropped after attaching and the maps are still
  // read (a watch add is counted), SIGHUP logs the probes and keeps serving, SIGINT leaves nothing
  const caps = unitCapabilities();
  // with the label switches off: no path, cgroup, pod, container or unit in the series or the API
  daemon = startDaemon(['--no-path-labels', '--no-cgroup-labels'], boundingSet(caps));
  const unit: Partial<SuiteResults['unitCaps']> = { caps, ready: await waitReady(daemon.child) };
  results.unitCaps = unit as SuiteResults['unitCaps'];
  for (let i = 0; i < 50 && !daemon.output().includes('capabilities dropped'); i++) await sleep(100);
  if (daemon.child.exitCode !== null) throw new Error(`the daemon under the unit's capabilities exited ${daemon.child.exitCode}: ${daemon.output().slice(-2000)}`);
  unit.status = capabilitiesOf(daemon.child.pid as number);
  unit.before = await scrape();
  fsload('watch', `${SCRATCH}/pos`);
  await sleep(500);
  unit.after = await scrape();
  unit.directories = await getJson<unknown[]>('/api/v1/directories');
  daemon.child.kill('SIGHUP');
  await sleep(1000);
  unit.readyAfterHup = (await get('/readyz')).status;
  unit.sigintExit = await exitCodeAfter(daemon.child, 'SIGINT');
  unit.log = daemon.output();
  unit.afterSigint = leftovers();
  // one capability short: a clear one-line refusal naming it, and nothing attached
  // both at once: each is mostly node's own start (over 60 s in a 5.10 guest on a loaded host);
  // the refusal comes before anything loads, so neither attaches and one leftover check serves both
  const short = await Promise.all(
    ['perfmon', 'bpf'].map(async (missing, i) => {
      // a port each: the two run at once, and the daemon binds before it checks its capabilities
      const argv = [...boundingSet(caps.filter((c) => c !== missing)), process.execPath, MAIN, `--web.listen-address=:${PORT + 1 + i}`];
      const r = await run(argv[0] as string, argv.slice(1), 300_000);
      return { missing, status: r.status, stderr: r.stderr };
    }),
  );
  const afterShort = leftovers();
  unit.short = short.map((r) => ({ ...r, leftovers: afterShort }));
  log('workload 8 done');
  otherMark.kill();
  // the short soak on the herd kernel (issue 20; npm run soak is the 30-minute one)
  if (soakHere()) {
    const s0 = Date.now();
    results.soak = await runSoak({ ...planFor(SOAK_MINUTES, logger('soak')), herdDir: `${SCRATCH}/scale-${Math.max(...SCALE)}` });
    log(`soak done in ${((Date.now() - s0) / 1000).toFixed(0)} s`);
  }
  results.seconds = (Date.now() - t0) / 1000;
  save();
}

main().catch((e) => {
  results.error = String(e?.stack ?? e);
  save();
  process.exit(1);
});
