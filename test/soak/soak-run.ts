// The soak, inside a guest: the daemon as the unit runs it (its node flags, its restart delay) under
// endless negative-dentry creation, watch churn and herd rounds, scraped every second, SIGHUP on a
// timer and SIGKILL + restart on another, with one bpftrace session counting the walk function
// the whole time. Runs alone (soak-guest.ts) and, shorter, at the end of the oldfsnotify e2e guest.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN } from '../../harness/daemon.js';
import { fsload, fsloadInBackground, leftovers, OUT, PORT, SCRATCH, sleep, startBpftrace, walkFunction, type Bpftrace } from '../../harness/guest-kit.js';
import { parseProm, sum, type Samples } from '../../harness/prom-text.js';
import type { SoakResults, SoakWindow } from './soak-results.js';

export interface SoakPlan {
  seconds: number;
  hupEverySeconds: number;
  killEverySeconds: number;
  /** whether there are lifetimes enough to compare RSS across them (soak-check.ts) */
  compareRss: boolean;
  /** a herd round (4 openers) every this many seconds */
  herdEverySeconds: number;
  /** new negative dentries a second, and watch add+remove pairs a second */
  negdentRate: number;
  churnRate: number;
  /** a directory already set up for the herd (the e2e suite's biggest); else the soak makes one */
  herdDir?: string;
  log: (m: string) => void;
}

/**
 * SIGHUP every minute and SIGKILL every five (issue 20). Under 15 minutes: six SIGHUPs and one
 * SIGKILL halfway; RSS is then reported, not compared (the comparison needs three lifetimes).
 */
export function planFor(minutes: number, log: (m: string) => void): SoakPlan {
  const seconds = minutes * 60;
  const killEverySeconds = seconds >= 900 ? 300 : seconds / 2;
  return { seconds, hupEverySeconds: Math.min(60, seconds / 6), killEverySeconds, compareRss: seconds / killEverySeconds >= 3, herdEverySeconds: 20, negdentRate: 300, churnRate: 4, log };
}

const LOAD = 'test/soak/soak_load.py';
const HERD_LIMIT_MS = 120_000;
/** the daemon's flags, the same for every start: slow walks from 20 ms, so the ring buffer carries events */
const DAEMON_ARGS = ['--slow-walk.threshold=20ms', '--parent-calls'];
/** counts walks that returned after bpftrace saw them enter (as the daemon's fentry/fexit pair) */
const countWalks = (fn: string) => `kprobe:${fn} { @s[tid] = 1; } kretprobe:${fn} /@s[tid]/ { @n = count(); delete(@s[tid]); } interval:ms:500 { print(@n); } END { clear(@s); }`;

/** The node flags the packaged launcher execs the daemon with (packaging/fsnotify-exporter.sh). */
export function unitNodeFlags(): string[] {
  const exec = readFileSync('packaging/fsnotify-exporter.sh', 'utf8').split('\n').find((l) => l.startsWith('exec '));
  return [...(exec ?? '').matchAll(/\s(--[\w-]+=\S+)/g)].map((m) => m[1] as string);
}

/** systemd's delay before it restarts the unit after a failure (RestartSec=). */
export function unitRestartSeconds(): number {
  return Number(/^RestartSec=(\d+)s$/m.exec(readFileSync('systemd/fsnotify-exporter.service', 'utf8'))?.[1] ?? 0);
}

const bpftraceCount = (bt: Bpftrace) => Number([...bt.output().matchAll(/^@n: (\d+)$/gm)].at(-1)?.[1] ?? 0);

function rssKb(pid: number): number | undefined {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

const stopped = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') ?? true;
  } catch {
    return true;
  }
};

/** One scrape with Prometheus's default 10 s timeout; `error` says why it failed. */
async function scrapeOnce(): Promise<{ status: number; text: string; ms: number; error?: string }> {
  const t = performance.now();
  try {
    const r = await fetch(`http://127.0.0.1:${PORT}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, text: await r.text(), ms: performance.now() - t, ...(r.status === 200 ? {} : { error: `HTTP ${r.status}` }) };
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } };
    return { status: 0, text: '', ms: performance.now() - t, error: err.name === 'TimeoutError' ? 'TimeoutError' : (err.cause?.code ?? String(e)) };
  }
}

/** every counter that says something was dropped, lost, evicted or cut short, by series */
const dropSeries = (m: Samples) => Object.fromEntries([...m].filter(([k]) => /^fsnotify_\w*(drop|lost|evict|truncat)\w*(\{|$)/.test(k)));

export async function runSoak(plan: SoakPlan): Promise<SoakResults> {
  const log = plan.log;
  const fn = walkFunction();
  if (!fn) throw new Error('neither walk function is in /proc/kallsyms');
  const nodeFlags = unitNodeFlags();
  const restartSeconds = unitRestartSeconds();
  const res: SoakResults = { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), plan: { ...plan, log: undefined } as Record<string, unknown>, nodeFlags, daemonArgs: DAEMON_ARGS, restartSeconds, rss: [], scrapes: { ok: 0, failed: 0, ms: [], errors: [] }, hups: [], exits: [], windows: [], leftoversAfterKill: [], herdRounds: 0 };

  const neg = `${SCRATCH}/soak-neg`;
  const herdDir = plan.herdDir ?? `${SCRATCH}/soak-herd`;
  // the herd needs another mark on the file system (fsnotify_parent returns early without one), and
  // a directory whose walk is long enough for openers to meet in it
  const otherMark = fsloadInBackground('hold-watch', `${SCRATCH}/soak-other`, 24 * 3600);
  if (!plan.herdDir) {
    // the openers' files first: the walk reaches them last (test/e2e/race-checks.ts)
    mkdirSync(herdDir, { recursive: true });
    fsload('herd', herdDir, 4, 0);
    fsload('negdents', herdDir, 100_000, 2);
  }
  const bt = await startBpftrace(countWalks(fn));

  let lifetime = 0;
  let daemon: ChildProcess | undefined;
  let intended = false;
  let lifetimeStart = 0;
  // the soak's clock runs while a daemon is up: it starts when the first one is ready and stops
  // from each kill to the next ready (a start under TCG takes 1-2 minutes), so every lifetime gets
  // its minutes and a SIGHUP, a scrape or a herd round always has a daemon to meet
  let t0 = Date.now();
  const now = () => (Date.now() - t0) / 1000;

  const start = async (): Promise<void> => {
    lifetime++;
    intended = false;
    const logFile = join(OUT, `soak-daemon-${lifetime}.log`);
    const child = spawn(process.execPath, [...nodeFlags, MAIN, `--web.listen-address=127.0.0.1:${PORT}`, ...DAEMON_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => appendFileSync(logFile, d));
    child.stderr?.on('data', (d) => appendFileSync(logFile, d));
    const n = lifetime;
    child.on('exit', (code, signal) => {
      res.exits.push({ lifetime: n, t: now(), code, signal, intended });
      if (!intended) log(`daemon ${n} died: code ${code}, signal ${signal}`);
    });
    daemon = child;
    const spawned = Date.now();
    for (let i = 0; i < 3000; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`daemon ${n} exited before it was ready: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      if ((await fetch(`http://127.0.0.1:${PORT}/readyz`).then((r) => r.status).catch(() => 0)) === 200) break;
      await sleep(100);
    }
    log(`daemon ${n} ready after ${((Date.now() - spawned) / 1000).toFixed(1)} s`);
  };

  // the endless loads, and the herd rounds the main loop starts
  const loads = [spawn('python3', [LOAD, 'negdents', neg, String(plan.negdentRate)], { stdio: 'ignore' }), spawn('python3', [LOAD, 'churn', neg, String(plan.churnRate)], { stdio: 'ignore' })];
  let herd: Promise<void> | undefined;
  let herdProcess: ChildProcess | undefined;
  // a round takes seconds (4 openers, each re-walking the directory once); a wait for one that
  // passes HERD_LIMIT_MS is a hang, which fails the soak at once instead of at the guest's time limit
  const herdEnded = async (): Promise<void> => {
    if (!herd) return;
    const timer = setTimeout(() => {
      res.herdTimeouts = (res.herdTimeouts ?? 0) + 1;
      log(`a herd round ran past ${HERD_LIMIT_MS / 1000} s: killed`);
      herdProcess?.kill('SIGKILL');
    }, HERD_LIMIT_MS);
    await herd;
    clearTimeout(timer);
  };

  /** Stops every load, waits until bpftrace and the daemon have seen every walk, reads both, resumes. */
  const snapshot = async (): Promise<{ t: number; bpftrace: number; metrics: Samples }> => {
    await herdEnded();
    for (const p of loads) p.kill('SIGSTOP');
    for (let i = 0; i < 100 && !loads.every((p) => stopped(p.pid as number)); i++) await sleep(50);
    // bpftrace prints its count every 500 ms: two prints after the stop, and the same value twice
    let count = -1;
    for (let i = 0; i < 20; i++) {
      await sleep(600);
      const c = bpftraceCount(bt);
      if (c === count) break;
      count = c;
    }
    // the ring buffer is read on a timer: every slow walk read or counted lost, the same walks twice
    let metrics = parseProm((await scrapeOnce()).text);
    for (let i = 0; i < 50; i++) {
      await sleep(200);
      const next = parseProm((await scrapeOnce()).text);
      const settled = sum(next, 'fsnotify_walks_total') === sum(metrics, 'fsnotify_walks_total');
      const accounted = sum(next, 'fsnotify_exporter_slow_walk_events_read_total') + sum(next, 'fsnotify_exporter_events_lost_total') >= sum(next, 'fsnotify_slow_walks_total');
      metrics = next;
      if (settled && accounted) break;
    }
    const t = now();
    for (const p of loads) p.kill('SIGCONT');
    return { t, bpftrace: count, metrics };
  };

  await start();
  t0 = Date.now();
  lifetimeStart = 0;
  let base = await snapshot();
  const closeWindow = async (): Promise<void> => {
    const end = await snapshot();
    const [a, b] = [base.metrics, end.metrics];
    const d = (name: string) => sum(b, name) - sum(a, name);
    const w: SoakWindow = {
      lifetime,
      from: base.t,
      to: end.t,
      daemonWalks: d('fsnotify_walks_total'),
      bpftraceWalks: end.bpftrace - base.bpftrace,
      parentWalks: sum(b, 'fsnotify_walks_total', { trigger: 'parent_event' }) - sum(a, 'fsnotify_walks_total', { trigger: 'parent_event' }),
      slowWalks: d('fsnotify_slow_walks_total'),
      eventsRead: d('fsnotify_exporter_slow_walk_events_read_total'),
      eventsLost: d('fsnotify_exporter_events_lost_total'),
      drops: dropSeries(b),
    };
    res.windows.push(w);
    log(`window ${lifetime}: ${w.daemonWalks} walks (bpftrace ${w.bpftraceWalks}, ${w.parentWalks} from __fsnotify_parent), ${w.slowWalks} slow = ${w.eventsRead} read + ${w.eventsLost} lost`);
  };

  // RestartSec, then a new lifetime; the soak clock skips the time the daemon was down
  const restartAsUnit = async (down: number) => {
    await sleep(restartSeconds * 1000);
    await start();
    base = await snapshot();
    t0 += Date.now() - down;
    lifetimeStart = now();
  };

  let nextHup = plan.hupEverySeconds;
  let nextKill = plan.killEverySeconds;
  let nextHerd = plan.herdEverySeconds;
  while (now() < plan.seconds) {
    const tick = Date.now();
    const t = now();
    if (daemon?.exitCode !== null || daemon?.signalCode !== null) {
      // a crash: its window is lost (the soak fails on it); the unit would restart it
      const down = Date.now();
      await restartAsUnit(down);
      continue;
    }
    const pid = daemon?.pid as number;
    const kb = rssKb(pid);
    if (kb !== undefined) res.rss.push([Math.round(t), lifetime, Math.round(t - lifetimeStart), kb]);
    const s = await scrapeOnce();
    if (s.status === 200) res.scrapes.ok++;
    else {
      res.scrapes.failed++;
      res.scrapes.errors?.push(s.error ?? '');
    }
    res.scrapes.ms.push(Math.round(s.ms));
    if (t >= nextHerd && !herd) {
      nextHerd += plan.herdEverySeconds;
      res.herdRounds++;
      const h = spawn('python3', ['harness/workloads/fsload.py', 'herd', herdDir, '4', '1'], { stdio: 'ignore' });
      herdProcess = h;
      herd = new Promise<void>((r) => h.once('exit', () => r())).then(() => void (herd = undefined));
    }
    if (t >= nextHup) {
      nextHup += plan.hupEverySeconds;
      daemon?.kill('SIGHUP');
      await sleep(500);
      res.hups.push({ t, lifetime, alive: daemon?.exitCode === null && daemon?.signalCode === null });
    }
    if (t >= nextKill && t + plan.killEverySeconds / 2 < plan.seconds) {
      nextKill += plan.killEverySeconds;
      await closeWindow();
      // the kill lands under load, as a crash would: the loads run again since the snapshot
      await sleep(1000);
      const down = Date.now();
      intended = true;
      const gone = new Promise((r) => daemon?.once('exit', r));
      daemon?.kill('SIGKILL');
      await gone;
      await sleep(500);
      res.leftoversAfterKill.push(leftovers());
      await restartAsUnit(down);
      continue;
    }
    await sleep(Math.max(0, 1000 - (Date.now() - tick)));
  }
  await closeWindow();
  intended = true;
  const exited = new Promise<number | null>((r) => daemon?.once('exit', (code) => r(code)));
  daemon?.kill('SIGTERM');
  res.sigtermExit = await exited;
  res.afterSigterm = leftovers();
  for (const p of loads) p.kill('SIGKILL');
  otherMark.kill();
  await bt.stop();
  res.seconds = now();
  return res;
}
