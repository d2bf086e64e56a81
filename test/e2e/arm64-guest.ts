// Runs inside the arm64 guest (arm64.test.ts): loads every program of the arm64 object, runs
// --check, then the real daemon with a negative-dentry workload written in JS (the arm64 userland
// has node but no python), then SIGTERM and a look for leftovers. Writes $VM_OUT/results.json.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import koffi from 'koffi';
import { LibbpfError } from '../../src/bpf/errors.js';
import { BpfObject } from '../../src/bpf/object.js';
import { watchSyscallOf } from '../../src/bpf/attach-plan.js';
import { PROBES } from '../../src/bpf/probes.js';
import { PARENT_FUNCTION, readKallsyms, SLOWPATH_FUNCTIONS, syscallFunction } from '../../src/kernel/kallsyms.js';
import { MAIN } from '../../harness/daemon.js';
import { leftovers, logger, PORT, scrape, SCRATCH, sleep, startDaemon, waitReady, walkFunction, walksRunning, writeResults } from '../../harness/guest-kit.js';
import { SCAN_BUDGET } from '../../harness/workload-sizes.js';
import type { Arm64Results } from './results.js';
import { emulationFault } from './arm64-retry.js';

const N = Number(process.env.E2E_NEGATIVE ?? 50_000);
const OBJECT = 'bpf/fsnotify.arm64.bpf.o';

const results: Partial<Arm64Results> = { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), arch: process.arch, node: process.version, n: N, timings: {} };
const timings = results.timings as Record<string, number>;
const t0 = Date.now();
const log = logger('arm64');
const save = () => writeResults('results.json', results);
const timed = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = (Date.now() - t) / 1000;
    log(`${name}: ${timings[name]} s`);
  }
};

/** One run scans a whole list, as the suite's daemon does: the test wants the exact count of its negative dentries. */
const DAEMON_FLAGS = [`--children-scan.budget=${SCAN_BUDGET}`];

/**
 * Node under arm64 TCG now and then dies of an emulation fault (docs/arm64.md): a signal (a failed
 * V8 CHECK aborts with one too). Such a death is retried once and reported (results.retries); an
 * exit status, 70 ("internal error") included, is the daemon's own answer and is never retried
 * (emulationFault, arm64-retry.ts).
 */
const retries: Arm64Results['retries'] = [];
results.retries = retries;

// the daemon's own reader, so the targets are the ones its attach plan picks
const symbols = readKallsyms();
const walkFn = walkFunction();
const slowpath = SLOWPATH_FUNCTIONS.find((f) => symbols.has(f));

/** The kernel function a tracing program is attached to, by the attach plan's naming. */
function fentryTarget(program: string): string | undefined {
  if (program.startsWith('walk_')) return walkFn;
  if (program.startsWith('parent_')) return PARENT_FUNCTION;
  if (program.startsWith('lock_wait_')) return slowpath;
  // creators and churn: the first of the probe table's functions this kernel has
  if (program.startsWith('creators_') || program.startsWith('churn_'))
    return PROBES.find((p) => p.variants.some((v) => v.programs.includes(program)))?.target(symbols, undefined);
  // the watch probes sit on the syscalls' own functions (__arm64_sys_*)
  const syscall = watchSyscallOf(program);
  return syscall && syscallFunction(symbols, syscall);
}
const isTracing = (section: string) => section.startsWith('fentry') || section.startsWith('fexit');

interface ProgramLoad {
  name: string;
  section: string;
  loaded: boolean;
  error?: string;
}

/** Every program, each in an object of its own so that one refusal names its program. */
function loadEachProgram(): ProgramLoad[] {
  const names = (() => {
    const o = BpfObject.open(OBJECT);
    try {
      return o.programs();
    } finally {
      o.close();
    }
  })();
  return names.map(({ name, section }) => {
    const obj = BpfObject.open(OBJECT);
    try {
      for (const p of names) obj.setAutoload(p.name, p.name === name);
      if (isTracing(section)) {
        const target = fentryTarget(name);
        if (!target) return { name, section, loaded: false, error: 'no attach target for this tracing program' };
        obj.setAttachTarget(name, target);
      }
      obj.load();
      const fd = obj.programFd(name);
      return fd > 0 ? { name, section, loaded: true } : { name, section, loaded: false, error: `fd ${fd}` };
    } catch (e) {
      const error = e instanceof LibbpfError ? `${e.message}${e.log.length ? `: ${e.log.slice(-3).join(' | ')}` : ''}` : String(e);
      return { name, section, loaded: false, error };
    } finally {
      obj.close();
    }
  });
}

/** N lookups of names that do not exist: N negative dentries (fsload.py negdents, in JS). */
function negdents(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) statSync(`${dir}/neg-${i}`, { throwIfNoEntry: false });
}

/** One inotify_add_watch on dir, then its removal (fsload.py watch, through koffi). */
function watchOnce(dir: string): { wd: number } {
  const libc = koffi.load('libc.so.6');
  const init = libc.func('int inotify_init1(int flags)');
  const add = libc.func('int inotify_add_watch(int fd, const char *path, uint32_t mask)');
  const rm = libc.func('int inotify_rm_watch(int fd, int wd)');
  const close = libc.func('int close(int fd)');
  const fd = init(0) as number;
  if (fd < 0) throw new Error('inotify_init1 failed');
  const wd = add(fd, dir, 0x00000fff) as number; // IN_ALL_EVENTS
  if (wd < 0) throw new Error(`inotify_add_watch ${dir} failed`);
  rm(fd, wd);
  close(fd);
  return { wd };
}

async function main() {
  log(`kernel ${results.kernel} on ${process.arch}, node ${process.version}; walk function ${walkFn}, slow path ${slowpath}`);
  results.walkFunction = walkFn;
  results.programs = await timed('loadPrograms', loadEachProgram);
  save();

  const check = await timed('check', () => {
    for (let attempt = 1; ; attempt++) {
      const c = spawnSync(process.execPath, [MAIN, '--check'], { encoding: 'utf8' });
      if (attempt === 2 || !emulationFault(c.status, c.signal)) return c;
      retries.push({ step: 'check', status: c.status, signal: c.signal, tail: (c.stdout + c.stderr).slice(-1500) });
      log(`--check died (status ${c.status}, signal ${c.signal}): retrying once`);
    }
  });
  results.check = { status: check.status, stdout: check.stdout, stderr: check.stderr };
  save();

  let daemon = startDaemon(DAEMON_FLAGS, { logFile: 'daemon.log' });
  // if a later step fails because the daemon went away, say how it ended
  daemonChild = daemon.child;
  onFailure = () => ({ exitCode: daemon.child.exitCode, signal: daemon.child.signalCode, tail: daemon.output().slice(-1500), ...processState(daemon.child.pid) });
  results.ready = await timed('daemonReady', async () => {
    for (let attempt = 1; ; attempt++) {
      if (await waitReady(daemon.child, 300)) return true;
      const { exitCode, signalCode } = daemon.child;
      if (attempt === 2 || (exitCode === null && signalCode === null) || !emulationFault(exitCode, signalCode)) return false;
      retries.push({ step: 'daemon', status: exitCode, signal: signalCode, tail: daemon.output().slice(-1500) });
      log(`the daemon died (status ${exitCode}, signal ${signalCode}): retrying once`);
      daemon = startDaemon(DAEMON_FLAGS, { logFile: 'daemon.log' });
      daemonChild = daemon.child;
    }
  });
  if (!results.ready) {
    results.daemonLog = daemon.output();
    return save();
  }
  results.whileRunning = leftovers();
  // N negative dentries, then one watch add on them, scraped before and after
  const workload = async (dir: string) => {
    await timed('negdents', () => negdents(dir, N));
    const m0 = await scrape();
    results.watch = await timed('watch', () => watchOnce(dir));
    await sleep(1000);
    results.m0 = m0;
    results.m1 = await scrape();
  };
  try {
    await workload(`${SCRATCH}/neg`);
  } catch (e) {
    // the daemon dying of an emulation fault after "ready" (see emulationFault) gets one more
    // daemon and a fresh directory; anything else, or a second death, fails the run
    await exited(daemon.child, 5000);
    const { exitCode, signalCode } = daemon.child;
    if ((exitCode === null && signalCode === null) || !emulationFault(exitCode, signalCode)) throw e;
    retries.push({ step: 'workload', status: exitCode, signal: signalCode, tail: daemon.output().slice(-1500) });
    log(`the daemon died after it was ready (status ${exitCode}, signal ${signalCode}): retrying once`);
    daemon = startDaemon(DAEMON_FLAGS, { logFile: 'daemon.log' });
    daemonChild = daemon.child;
    if (!(await waitReady(daemon.child, 300))) throw new Error(`the retried daemon did not become ready: ${daemon.output().slice(-500)}`);
    await workload(`${SCRATCH}/neg-retry`);
  }
  // the walk has ended: the walk probes' host-wide count is back to 0 (nothing else in this guest watches)
  results.walksRunning = walksRunning(daemon.child.pid as number) ?? -1;
  save();

  results.sigtermExit = await timed(
    'sigterm',
    () =>
      new Promise<number | null>((r) => {
        daemon.child.on('exit', (code, sig) => r(code ?? (sig ? 128 : null)));
        daemon.child.kill('SIGTERM');
      }),
  );
  results.afterSigterm = leftovers();
  results.daemonLog = daemon.output();
  results.seconds = (Date.now() - t0) / 1000;
  save();
}

let onFailure: (() => Arm64Results['daemonAtFailure']) | undefined;
let daemonChild: ChildProcess | undefined;

/** Until `child` has exited or `ms` have passed. A daemon that crashed as a scrape failed can take
 * a while to be torn down under TCG, and its exit event (signal, code) comes after that. */
async function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(ms)]);
}

/** What the kernel says of the daemon when a scrape fails: its state, and who listens on PORT. */
function processState(pid: number | undefined) {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      return `(${(e as NodeJS.ErrnoException).code})`;
    }
  };
  const port = PORT.toString(16).toUpperCase().padStart(4, '0');
  return {
    procState: /^State:.*$/m.exec(read(`/proc/${pid}/status`))?.[0] ?? read(`/proc/${pid}/status`).slice(0, 80),
    // /proc/net/tcp rows on the port; st 0A is LISTEN
    tcp: read('/proc/net/tcp').split('\n').filter((l) => l.includes(`:${port} `)),
    dmesg: spawnSync('dmesg', [], { encoding: 'utf8' }).stdout?.split('\n').slice(-15),
  };
}

main().catch(async (e) => {
  results.error = String(e?.stack ?? e);
  if (daemonChild) await exited(daemonChild, 5000);
  if (onFailure) results.daemonAtFailure = onFailure();
  save();
  process.exit(1);
});
