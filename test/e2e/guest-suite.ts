// Runs inside the guest (npm run vm): starts the real daemon, drives the real workloads, scrapes
// /metrics around each, and writes everything to $VM_OUT/results.json for the host to assert on.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leftovers } from './leftovers.js';
import { parseProm, sum } from './prom-text.js';
import { HERD_MAX_BATCHES, HERD_ROUNDS, STORM } from './workload-sizes.js';

const OUT = process.env.VM_OUT as string;
const SCRATCH = process.env.VM_SCRATCH as string;
const PORT = 9717;
const N = Number(process.env.E2E_NEGATIVE ?? 200_000);
const M = Number(process.env.E2E_POSITIVE ?? 50_000);
const SCALE = (process.env.E2E_SCALE ?? '50000,200000,800000').split(',').map(Number);
const FSLOAD = 'test/e2e/workloads/fsload.py';
/** smoke: workloads 1 and 6 and a clean exit only (the kernels the full suite does not cover: README) */
const SMOKE = process.env.E2E_MODE === 'smoke';

const results: Record<string, unknown> = { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), steps: {} };
const steps = results.steps as Record<string, unknown>;
const t0 = Date.now();
const log = (m: string) => process.stdout.write(`e2e [${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fsload = (...args: Array<string | number>) => {
  const out = execFileSync('python3', [FSLOAD, ...args.map(String)], { encoding: 'utf8' }).trim().split('\n');
  return JSON.parse(out.at(-1) as string) as Record<string, unknown>;
};
// The workloads run synchronously (execFileSync), so a kept-alive connection the daemon closed
// after its idle timeout (fastify: 72 s, reached when an 800k workload runs long on a loaded
// host) is only noticed on the next request, which then fails: one retry on a new connection.
const scrape = async () => {
  const get = async () => (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  try {
    return await get();
  } catch {
    return get();
  }
};
const save = () => writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));

const daemonLogs = new WeakMap<ChildProcess, () => string>();

/** The daemon, optionally under a wrapper such as setpriv (which execs it: same pid). */
function startDaemon(extra: string[] = [], wrapper: string[] = []): ChildProcess {
  // all interfaces: the host's Prometheus scrapes through a qemu port forward
  // --parent-calls: the herd report counts __fsnotify_parent() calls, and the opt-in probe gets attached in a real kernel
  const argv = [process.execPath, 'dist/src/main.js', `--web.listen-address=:${PORT}`, '--slow-walk.threshold=20ms', '--parent-calls', ...extra];
  const all = [...wrapper, ...argv];
  const child = spawn(all[0] as string, all.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let logText = '';
  const append = (d: Buffer) => {
    logText += d;
    writeFileSync(join(OUT, 'daemon.log'), logText);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // a daemon that dies (a crash, the OOM killer) says nothing itself: say how it ended
  child.on('exit', (code, signal) => {
    append(Buffer.from(`@@ daemon pid ${child.pid} exited: code ${code}, signal ${signal}\n`));
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT' && signal !== 'SIGKILL') log(`daemon pid ${child.pid} exited: code ${code}, signal ${signal}`);
  });
  daemonLogs.set(child, () => logText);
  return child;
}

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

async function waitReady(child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) return false;
    try {
      const r = await fetch(`http://127.0.0.1:${PORT}/readyz`);
      if (r.status === 200) return true;
    } catch {
      // not yet listening
    }
    await sleep(100);
  }
  return false;
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

async function exitCodeAfter(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const done = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  child.kill(signal);
  return done;
}

/**
 * The daemon stalled (SIGSTOP) while slow walks keep coming: the ring buffer fills and the kernel
 * counts what it could not reserve; after SIGCONT every slow walk is either read or counted lost.
 * Then more new directories are walked than dir_stats holds: the LRU evicts, and says so.
 */
async function storm(daemon: ChildProcess) {
  const before = await scrape();
  process.kill(daemon.pid as number, 'SIGSTOP');
  const toggles = fsload('mask-toggle', `${SCRATCH}/neg`, STORM.maskPairs);
  process.kill(daemon.pid as number, 'SIGCONT');
  // drained when every slow walk is accounted for (the ring is read on a timer)
  let afterStall = await scrape();
  for (let i = 0; i < 100; i++) {
    const m = parseProm(afterStall);
    const accounted = sum(m, 'fsnotify_exporter_slow_walk_events_read_total') + sum(m, 'fsnotify_exporter_events_lost_total');
    if (accounted >= sum(m, 'fsnotify_slow_walks_total')) break;
    await sleep(100);
    afterStall = await scrape();
  }
  const listed = ((await (await fetch(`http://127.0.0.1:${PORT}/api/v1/slow-walks?limit=1000`)).json()) as { events: unknown[] }).events.length;
  const newDirs = fsload('new-dirs', `${SCRATCH}/new`, STORM.newDirs);
  await sleep(500);
  const afterNewDirs = await scrape();
  const readyz = (await fetch(`http://127.0.0.1:${PORT}/readyz`)).status;
  return { toggles, newDirs, before, afterStall, listed, afterNewDirs, readyz };
}

/** bpftrace's kprobe/kretprobe pair on the walk function, printing each walk's duration. */
async function startBpftrace(walkFn: string): Promise<{ stop(): Promise<number[]> }> {
  const bt = spawn('bpftrace', ['-e', `kprobe:${walkFn} { @s[tid] = nsecs; } kretprobe:${walkFn} /@s[tid]/ { printf("walk %d\\n", nsecs - @s[tid]); delete(@s[tid]); } END { clear(@s); }`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  bt.stdout?.on('data', (d) => (out += d));
  for (let i = 0; i < 600 && !out.includes('Attaching'); i++) await sleep(100);
  await sleep(1000);
  return {
    async stop() {
      const done = new Promise((r) => bt.on('exit', r));
      bt.kill('SIGINT');
      await done;
      return out.split('\n').filter((l) => l.startsWith('walk ')).map((l) => Number(l.slice(5)));
    },
  };
}

/** Workload 6 under bpftrace: more directories than --top-directories, each walked once. */
async function manyDirs(walkFn: string) {
  const bt = await startBpftrace(walkFn);
  const before = await scrape();
  steps.manyDirs = fsload('many-dirs', `${SCRATCH}/many`, 30, 200);
  await sleep(500);
  const after = await scrape();
  return { before, after, bpftrace: await bt.stop() };
}

async function main() {
  log(`kernel ${results.kernel}`);
  // the guest boots with loglevel=3: let errors (the OOM killer, a soft lockup) reach the console
  writeFileSync('/proc/sys/kernel/printk', '4');
  // the herd needs some other mark on the same file system (fsnotify_parent returns early without one)
  const otherMark = spawn('python3', [FSLOAD, 'hold-watch', `${SCRATCH}/other`, '3600'], { stdio: 'ignore' });
  await sleep(500);
  // a 2 s soft-lockup threshold and a 0.4% ratio (8 ms) make a TCG-sized walk (10-100 ms) "near" a lockup,
  // and a 10 ms check interval catches it while it runs
  writeFileSync('/proc/sys/kernel/watchdog_thresh', '1');
  let daemon = startDaemon(['--near-softlockup.ratio=0.004', '--near-softlockup.check-interval=10ms']);
  const t = Date.now();
  results.ready = await waitReady(daemon);
  results.readySeconds = (Date.now() - t) / 1000;
  log(`daemon ready: ${results.ready} in ${results.readySeconds} s`);
  if (!results.ready) return save();
  await checkpoint('quiet');

  // 1. negative dentries, watch add, with bpftrace watching the same function
  steps.negdents = fsload('negdents', `${SCRATCH}/neg`, N, 4);
  log(`created ${N} negative dentries`);
  const walkFn = readFileSync('/proc/kallsyms', 'utf8').includes(' fsnotify_set_children_dentry_flags') ? 'fsnotify_set_children_dentry_flags' : '__fsnotify_update_child_dentry_flags';
  const bt = await startBpftrace(walkFn);
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
  results.bpftrace = await bt.stop();
  results.m0 = m0;
  results.m1 = m1;
  log('workload 1 done');

  if (SMOKE) {
    results.manyDirs = await manyDirs(walkFn);
    log('workload 6 done');
    results.sigtermExit = await exitCodeAfter(daemon, 'SIGTERM');
    results.afterSigterm = leftovers();
    otherMark.kill();
    results.seconds = (Date.now() - t0) / 1000;
    return save();
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
    if (n !== N) fsload('negdents', dir, n, 4);
    // two walks per size: the host takes the shorter, so one preempted vCPU does not decide
    const before = await scrape();
    fsload('watch', dir);
    await sleep(500);
    const mid = await scrape();
    await sleep(1000); // the mark reaper runs between removal and the next add
    fsload('watch', dir);
    await sleep(500);
    (results.scaling as unknown[]).push({ n, dir, before, mid, after: await scrape() });
    log(`scaling ${n} done`);
  }

  // 4. contention: lookups of new names in the biggest directory while walks run on it
  const big = `${SCRATCH}/scale-${Math.max(...SCALE)}`;
  const c0 = await scrape();
  const lookups = spawn('python3', [FSLOAD, 'lookups', big, '9', '2'], { stdio: 'ignore' });
  const lookupsDone = new Promise((r) => lookups.on('exit', r));
  await sleep(500);
  for (let i = 0; i < 5; i++) {
    fsload('watch', big);
    await sleep(1500); // the mark reaper runs between removal and the next add
  }
  await lookupsDone;
  results.contention = { dir: big, before: c0, after: await scrape() };
  log('workload 4 done');

  // 5. herd: only the old kernel re-walks from __fsnotify_parent
  const h0 = await scrape();
  // in the biggest directory (the longest walk is the widest window for a second walker), in
  // batches of HERD_ROUNDS rounds: whether an opener reaches i_lock while another walk holds it is
  // up to the scheduler (under TCG, one CI run in ~10 saw a second walker but no wait), so another
  // batch runs while no i_lock wait has been seen, up to HERD_MAX_BATCHES
  const iLockWaits = (text: string) => sum(parseProm(text), 'fsnotify_lock_wait_seconds_count', { lock: 'i_lock' });
  let herdAfter = h0;
  let herdRounds = 0;
  for (let batch = 0; batch < HERD_MAX_BATCHES; batch++) {
    steps.herd = fsload('herd', big, 4, HERD_ROUNDS);
    herdRounds += HERD_ROUNDS;
    await sleep(1000);
    herdAfter = await scrape();
    if (iLockWaits(herdAfter) > iLockWaits(h0) || !String(results.kernel).includes('oldfsnotify')) break; // new kernels: no herd to wait for
  }
  results.herd = { before: h0, after: herdAfter, rounds: herdRounds };
  log('workload 5 done');

  // 6. more directories than --top-directories (20): the series stay bounded, the heaviest stay
  results.manyDirs = await manyDirs(walkFn);
  results.topK = { before: (results.manyDirs as { before: string }).before, after: (results.manyDirs as { after: string }).after };
  log('workload 6 done');

  await checkpoint('loaded');
  results.daemonLog = readFileSync(join(OUT, 'daemon.log'), 'utf8');
  results.slowWalks = await (await fetch(`http://127.0.0.1:${PORT}/api/v1/slow-walks?limit=1000`)).json();

  // 7. clean exit: SIGTERM, then SIGKILL of a second daemon
  results.sigtermExit = await exitCodeAfter(daemon, 'SIGTERM');
  results.afterSigterm = leftovers();
  daemon = startDaemon([`--slow-walk.threshold=${STORM.slowWalkThreshold}`, `--slow-walk.max-events=${STORM.maxEvents}`]);
  results.restartReady = await waitReady(daemon);
  results.whileRunning = leftovers();
  results.storm = await storm(daemon);
  log('storm done');
  results.sigkillExit = await exitCodeAfter(daemon, 'SIGKILL');
  await sleep(500);
  results.afterSigkill = leftovers();
  daemon = startDaemon();
  results.restartAfterKillReady = await waitReady(daemon);
  await exitCodeAfter(daemon, 'SIGTERM');
  log('workload 7 done');

  // 8. exactly the systemd unit's capabilities (a bounding set, as systemd applies it to root):
  // the walk probes attach, every capability is dropped after attaching and the maps are still
  // read (a watch add is counted), SIGHUP logs the probes and keeps serving, SIGINT leaves nothing
  const caps = unitCapabilities();
  daemon = startDaemon([], boundingSet(caps));
  const unit: Record<string, unknown> = { caps, ready: await waitReady(daemon) };
  results.unitCaps = unit;
  for (let i = 0; i < 50 && !daemonLogs.get(daemon)!().includes('capabilities dropped'); i++) await sleep(100);
  if (daemon.exitCode !== null) throw new Error(`the daemon under the unit's capabilities exited ${daemon.exitCode}: ${daemonLogs.get(daemon)!().slice(-2000)}`);
  unit.status = capabilitiesOf(daemon.pid as number);
  unit.before = await scrape();
  fsload('watch', `${SCRATCH}/pos`);
  await sleep(500);
  unit.after = await scrape();
  daemon.kill('SIGHUP');
  await sleep(1000);
  unit.readyAfterHup = (await fetch(`http://127.0.0.1:${PORT}/readyz`)).status;
  unit.sigintExit = await exitCodeAfter(daemon, 'SIGINT');
  unit.log = daemonLogs.get(daemon)!();
  unit.afterSigint = leftovers();
  // one capability short: a clear one-line refusal naming it, and nothing attached
  unit.short = ['perfmon', 'bpf'].map((missing) => {
    const argv = [...boundingSet(caps.filter((c) => c !== missing)), process.execPath, 'dist/src/main.js', `--web.listen-address=:${PORT}`];
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
    return { missing, status: r.status, stderr: r.stderr, leftovers: leftovers() };
  });
  log('workload 8 done');
  otherMark.kill();
  results.seconds = (Date.now() - t0) / 1000;
  save();
}

main().catch((e) => {
  results.error = String(e?.stack ?? e);
  save();
  process.exit(1);
});
