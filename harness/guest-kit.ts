// What every program run inside a guest needs (the e2e suites, the demo, the guest bench): the
// daemon started and awaited, scrapes, the workloads, the walk function, results written back.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKallsyms, WALK_FUNCTIONS, type WalkFunction } from '../src/kernel/kallsyms.js';
import { daemonMapIds, MAIN, OUR_PROGRAMS, sleep } from './daemon.js';

export { sleep };

export const PORT = 9717;
export const FSLOAD = 'harness/workloads/fsload.py';
/** the writable share the host reads results from, and the guest's scratch disk */
export const OUT = process.env.VM_OUT as string;
export const SCRATCH = process.env.VM_SCRATCH as string;

/** `prefix [12.3 s] message` on stdout, which the host forwards. */
export function logger(prefix: string): (m: string) => void {
  const t0 = Date.now();
  return (m) => process.stdout.write(`${prefix} [${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}\n`);
}

/** The walk function this kernel has, by the daemon's own kallsyms reader and list. */
export function walkFunction(): WalkFunction | undefined {
  const symbols = readKallsyms();
  return WALK_FUNCTIONS.find((f) => symbols.has(f));
}

/** A bpftrace program that prints "walk <ns>" for each call of `fn`, timed by kprobe/kretprobe. */
export const bpftraceWalkTimes = (fn: string) =>
  `kprobe:${fn} { @s[tid] = nsecs; } kretprobe:${fn} /@s[tid]/ { printf("walk %d\\n", nsecs - @s[tid]); delete(@s[tid]); } END { clear(@s); }`;

export interface Bpftrace {
  child: ChildProcess;
  output: () => string;
  /** the "walk <ns>" lines printed so far (bpftraceWalkTimes) */
  walkNs: () => number[];
  /** SIGINT, and wait for it to exit */
  stop: () => Promise<void>;
}

/** bpftrace running `program`, once its probes are attached. */
export async function startBpftrace(program: string): Promise<Bpftrace> {
  // unbuffered: its lines are read while it runs
  const child = spawn('bpftrace', ['-B', 'none', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  // drained, so a chatty stderr cannot fill its pipe and block bpftrace
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 900 && !out.includes('Attaching'); i++) await sleep(100);
  if (!out.includes('Attaching')) bpftraceLog(`not attached 90 s after its start: ${out.slice(-300)}`);
  await sleep(1000);
  return {
    child,
    output: () => out,
    walkNs: () => out.split('\n').filter((l) => l.startsWith('walk ')).map((l) => Number(l.slice(5))),
    stop: async () => {
      child.kill('SIGINT');
      if (await exitsWithin(exited, BPFTRACE_EXIT_MS)) return;
      // its lines so far are already read (-B none): a hung exit must not hang the guest silently
      bpftraceLog(`still running ${BPFTRACE_EXIT_MS / 1000} s after SIGINT (pid ${child.pid}, ${procState(child.pid)}): SIGKILL`);
      child.kill('SIGKILL');
      if (!(await exitsWithin(exited, BPFTRACE_EXIT_MS))) bpftraceLog(`still there ${BPFTRACE_EXIT_MS / 1000} s after SIGKILL (${procState(child.pid)}): left`);
    },
  };
}

const bpftraceLog = logger('bpftrace');
/** bpftrace's END and probe detach take seconds under TCG; a minute is a hung exit */
const BPFTRACE_EXIT_MS = 60_000;
function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([exited.then(() => true), late]).finally(() => clearTimeout(timer));
}

/** A process's state and kernel wait channel from /proc, for a hang's log line. */
function procState(pid: number | undefined): string {
  try {
    const state = /^State:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return `state ${state}, wchan ${readFileSync(`/proc/${pid}/wchan`, 'utf8')}, stack ${readFileSync(`/proc/${pid}/stack`, 'utf8').split('\n').slice(0, 6).join(' < ')}`;
  } catch (e) {
    return `no /proc entry (${(e as Error).message})`;
  }
}

/** 15 min: a starved guest's 800k-name run took ~5; the guest's own limit is 25 */
const FSLOAD_TIMEOUT_MS = 900_000;

/** A fsload.py subcommand, run to completion; its last line is JSON. */
export function fsload<T = Record<string, number>>(...args: Array<string | number>): T {
  // bounded: a workload blocked in the kernel fails with its name, not silently at the guest's limit
  let text: string;
  try {
    text = execFileSync('python3', [FSLOAD, ...args.map(String)], { encoding: 'utf8', timeout: FSLOAD_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`fsload ${args.join(' ')}: ${(e as Error).message}`);
  }
  const out = text.trim().split('\n');
  return JSON.parse(out.at(-1) as string) as T;
}

/** A fsload.py subcommand left running (a held watch, a lookup storm). */
export const fsloadInBackground = (...args: Array<string | number>): ChildProcess => spawn('python3', [FSLOAD, ...args.map(String)], { stdio: 'ignore' });

/**
 * GET a path of the daemon's, as text. A workload that runs synchronously for longer than the
 * daemon's keep-alive timeout leaves a closed connection that only the next request notices: one
 * retry on a new connection. undici's "fetch failed" hides why, so the cause goes into the error.
 */
export async function get(path: string): Promise<{ status: number; text: string }> {
  const once = async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}${path}`);
    return { status: r.status, text: await r.text() };
  };
  try {
    return await once();
  } catch {
    try {
      return await once();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`GET ${path} failed: ${cause?.code ?? ''} ${cause?.message ?? String(e)}`);
    }
  }
}

export const scrape = async (): Promise<string> => (await get('/metrics')).text;
export const getJson = async <T>(path: string): Promise<T> => JSON.parse((await get(path)).text) as T;

export interface GuestDaemon {
  child: ChildProcess;
  /** stdout and stderr so far */
  output: () => string;
}

export interface StartOptions {
  /** a command that execs the daemon (setpriv): the same pid */
  wrapper?: string[];
  /** listen on every interface, for a host reaching in through a qemu port forward */
  allInterfaces?: boolean;
  /** also write the output to $VM_OUT/<file> as it comes */
  logFile?: string;
  /** another build's main.js (the coexist run's before/after count), instead of this checkout's */
  main?: string;
}

export function startDaemon(args: string[] = [], o: StartOptions = {}): GuestDaemon {
  const argv = [...(o.wrapper ?? []), process.execPath, o.main ?? MAIN, `--web.listen-address=${o.allInterfaces ? '' : '127.0.0.1'}:${PORT}`, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const add = (d: Buffer | string) => {
    text += d;
    if (o.logFile) writeFileSync(join(OUT, o.logFile), text);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  // a daemon that dies (a crash, the OOM killer) says nothing itself: say how it ended
  child.on('exit', (code, signal) => {
    const line = `daemon pid ${child.pid} exited: code ${code}, signal ${signal}`;
    add(`@@ ${line}\n`);
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT' && signal !== 'SIGKILL') process.stdout.write(`${line}\n`);
  });
  return { child, output: () => text };
}

/** Whether /readyz says 200 within `seconds`; false as soon as the process is gone. */
export async function waitReady(child: ChildProcess, seconds = 60): Promise<boolean> {
  for (let i = 0; i < seconds * 10; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/readyz`)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

/** The exit code after `signal` (128 for a death by signal). */
export function exitCodeAfter(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const done = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  child.kill(signal);
  return done;
}

/** Writes the results the host asserts on to $VM_OUT/<file>. */
export function writeResults(file: string, results: unknown): void {
  writeFileSync(join(OUT, file), JSON.stringify(results, null, 1));
}

/** What of ours the kernel still holds: programs and links (bpftool), libbpf's legacy kprobe events. */
export interface Leftovers {
  bpftoolStatus: number | null;
  progs: string[];
  links: string;
  kprobeEvents: string;
}

/** The BPF object's `walks_running` in the daemon `pid` (its .bss map, found among its fds): the
 * walks running on the host, which the walk probes count up and down; undefined if not found. */
export function walksRunning(pid: number): number | undefined {
  for (const id of daemonMapIds(pid)) {
    const dump = spawnSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' });
    const n = dump.status === 0 ? /"walks_running":\s*(\d+)/.exec(dump.stdout)?.[1] : undefined;
    if (n !== undefined) return Number(n);
  }
  return undefined;
}

export function leftovers(): Leftovers {
  const show = spawnSync('bpftool', ['prog', 'show'], { encoding: 'utf8' });
  const progs = show.stdout.split('\n').filter((l) => OUR_PROGRAMS.test(l));
  const links = spawnSync('bpftool', ['link', 'show'], { encoding: 'utf8' }).stdout.trim();
  let kprobeEvents = '';
  try {
    kprobeEvents = readFileSync('/sys/kernel/tracing/kprobe_events', 'utf8').trim();
  } catch {
    // no kprobe_events
  }
  return { bpftoolStatus: show.status, progs, links, kprobeEvents };
}
