// Issue 16's proof in the guests, folded into the suite's workloads: who fills a directory with
// negative dentries (by comm), who churns its watches (a loop of one-shot inotifywait), and which
// cgroup a walk stalled. The guest side runs the steps; checkRootCause() is what the host asserts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { FSLOAD, fsload, fsloadInBackground, scrape, SCRATCH, sleep } from '../../harness/guest-kit.js';
import { INOTIFYWAIT_LOOPS, NEG_COMM, NEG_N, OTHER_COMM, OTHER_N, type RootCauseResults } from './root-cause-check.js';

const STALL_CGROUP = '/sys/fs/cgroup/fsnotify-e2e-stall';

/** The creators and churn steps: one comm fills one directory while another adds a few elsewhere, then one-shot inotifywaits. */
export async function creatorsAndChurn(): Promise<RootCauseResults> {
  const before = await scrape();
  const other = fsloadInBackground('negdents-as', OTHER_COMM, `${SCRATCH}/rc-other`, OTHER_N);
  const otherDone = new Promise((r) => other.on('exit', r));
  fsload('negdents-as', NEG_COMM, `${SCRATCH}/rc-neg`, NEG_N);
  await otherDone;
  for (let i = 0; i < INOTIFYWAIT_LOOPS; i++) spawnSync('inotifywait', ['-q', '-t', '1', `${SCRATCH}/rc-neg`], { stdio: 'ignore' });
  await sleep(500);
  return { negPath: '/rc-neg', otherPath: '/rc-other', loops: INOTIFYWAIT_LOOPS, before, after: await scrape() };
}

/** A cgroup of its own: its id is its directory's inode number (cgroup v2, 64-bit). */
export function stallCgroup(): { path: string; id: string } {
  mkdirSync(STALL_CGROUP, { recursive: true });
  return { path: STALL_CGROUP, id: statSync(STALL_CGROUP, { bigint: true }).ino.toString() };
}

/** fsload.py started inside `cgroup` (it joins before exec, so its forks are in it too). */
export function fsloadInCgroup(cgroup: string, ...args: Array<string | number>): ChildProcess {
  return spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec python3 ${FSLOAD} ${args.join(' ')}`], { stdio: 'ignore' });
}

export function removeStallCgroup(): void {
  try {
    rmdirSync(STALL_CGROUP);
  } catch {
    // still populated: the guest powers off anyway
  }
}
