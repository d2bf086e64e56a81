// Issue 16's proof in the guests, folded into the suite's workloads: who fills a directory with
// negative dentries (by comm), who churns its watches (a loop of one-shot inotifywait), and which
// cgroup a walk stalled. The guest side runs the steps; checkRootCause() is what the host asserts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { FSLOAD, fsload, fsloadInBackground, getJson, scrape, SCRATCH, sleep } from '../../harness/guest-kit.js';
import { FLOOD_COMM, FLOOD_N, FLOOD_PATH, FLOOD_SEED, INOTIFYWAIT_LOOPS, STALL_CGROUP_PATH, NEG_COMM, NEG_N, OTHER_COMM, OTHER_N, type RootCauseResults } from './root-cause-check.js';

const STALL_CGROUP = `/sys/fs/cgroup${STALL_CGROUP_PATH}`;

export const NEG_DIR = `${SCRATCH}/rc-neg`;

/**
 * `inotifywait -m` on the directory the creators step fills, started before the daemon: the
 * watchers must come from the startup /proc scan, not from a mark add the daemon saw.
 */
export function watcherBeforeDaemon(): ChildProcess {
  mkdirSync(NEG_DIR, { recursive: true });
  const w = spawn('inotifywait', ['-m', '-q', NEG_DIR], { stdio: 'ignore' });
  spawnSync('sleep', ['0.5']); // its inotify_add_watch is done by then (one syscall after exec)
  return w;
}

/** The creators and churn steps: one comm fills one directory while another adds a few elsewhere, then one-shot inotifywaits. */
export async function creatorsAndChurn(watcher?: ChildProcess): Promise<RootCauseResults> {
  const before = await scrape();
  const other = fsloadInBackground('negdents-as', OTHER_COMM, `${SCRATCH}/rc-other`, OTHER_N);
  const otherDone = new Promise((r) => other.on('exit', r));
  fsload('negdents-as', NEG_COMM, NEG_DIR, NEG_N);
  await otherDone;
  for (let i = 0; i < INOTIFYWAIT_LOOPS; i++) spawnSync('inotifywait', ['-q', '-t', '1', NEG_DIR], { stdio: 'ignore' });
  await sleep(500);
  const after = await scrape();
  const directories = await getJson<unknown[]>('/api/v1/directories');
  watcher?.kill();
  return { negPath: '/rc-neg', otherPath: '/rc-other', loops: INOTIFYWAIT_LOOPS, before, after, directories, watcherPid: watcher?.pid };
}

/**
 * A cgroup of its own, made before the daemon starts so the resolver's first walk of the cgroup tree
 * already holds it; `label` is the cgroup the daemon labels it with (its path under the cgroup2 mount).
 */
export function stallCgroup(): { path: string; label: string } {
  mkdirSync(STALL_CGROUP, { recursive: true });
  return { path: STALL_CGROUP, label: STALL_CGROUP_PATH };
}

/** fsload.py started inside `cgroup` (it joins before exec, so its forks are in it too). */
function fsloadInCgroup(cgroup: string, ...args: Array<string | number>): ChildProcess {
  return spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec python3 ${FSLOAD} ${args.join(' ')}`], { stdio: 'ignore' });
}

/**
 * `walks` runs while lookups of missing names in `dir` run in the cgroup: the lookups start first
 * (both workers said so) and stop only once the walks are done, so every walk has lookups beside
 * it however slowly the guest runs (a fixed lookup window could end before a starved guest's first walk).
 */
export async function walksDuringLookups(cgroup: string, dir: string, walks: () => Promise<void>): Promise<void> {
  const flag = `${SCRATCH}/lookups-run`;
  const procs = 2;
  const started = Array.from({ length: procs }, (_, i) => `${flag}.started-${i}`);
  for (const f of started) rmSync(f, { force: true });
  writeFileSync(flag, '');
  // 600 s: only a cap, should the flag's removal never be seen
  const lookups = fsloadInCgroup(cgroup, 'lookups', dir, 600, procs, flag);
  const done = new Promise((r) => lookups.on('exit', r));
  // each worker's start, polled: 120 s bounds a python start in a starved TCG guest
  for (let waited = 0; !started.every((f) => existsSync(f)); waited += 100) {
    if (waited > 120_000) throw new Error('the lookups did not start within 120 s');
    await sleep(100);
  }
  try {
    await walks();
  } finally {
    rmSync(flag, { force: true });
  }
  await done;
}

export function removeStallCgroup(): void {
  // the leaf, then each parent up to the mount (empty by then; a populated one stays: the guest powers off anyway)
  const parts = STALL_CGROUP_PATH.split('/').filter(Boolean);
  for (let n = parts.length; n > 0; n--)
    try {
      rmdirSync(`/sys/fs/cgroup/${parts.slice(0, n).join('/')}`);
    } catch {
      return;
    }
}

/**
 * FsnotifyNegativeDentryFlood against the live Prometheus: a few negative dentries first, so the
 * directory's series exists before the flood (a series born at its peak has no rate), then many.
 * `checkpoint(name)` lets the host's Prometheus look at each stage.
 */
export async function flood(checkpoint: (name: string) => Promise<void>): Promise<void> {
  await checkpoint('flood_before');
  // other names than the flood's (negdents: neg-<i>; negdents-as: miss-<i>), so every flood lookup is a new dentry
  fsload('negdents', `${SCRATCH}${FLOOD_PATH}`, FLOOD_SEED);
  await checkpoint('flood_start');
  fsload('negdents-as', FLOOD_COMM, `${SCRATCH}${FLOOD_PATH}`, FLOOD_N);
  await checkpoint('flood');
}
