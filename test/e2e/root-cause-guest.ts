// Issue 16's guest steps alone, for a focused run on one kernel (the suite folds them into its
// workloads): npm run vm -- --kernel debian-5.10 'node dist/test/e2e/root-cause-guest.js'
// Prints the check's numbers and exits 1 on a failure.
import { fsload, scrape, SCRATCH, sleep, startDaemon, waitReady } from '../../harness/guest-kit.js';
import { checkRootCause } from './root-cause-check.js';
import { creatorsAndChurn, stallCgroup, walksDuringLookups, watcherBeforeDaemon } from './root-cause.js';

const BIG = Number(process.env.E2E_STALL_DIR ?? 100_000);

async function main(): Promise<number> {
  const cg = stallCgroup();
  const watcher = watcherBeforeDaemon();
  const daemon = startDaemon(['--slow-walk.threshold=20ms', ...(process.env.E2E_DAEMON_ARGS ?? '').split(' ').filter(Boolean)], { logFile: 'daemon.log' });
  if (!(await waitReady(daemon.child))) throw new Error(`daemon not ready: ${daemon.output().slice(-2000)}`);
  const rc = await creatorsAndChurn(watcher);
  // the stall: lookups in a cgroup of their own while watch adds walk a big directory
  const big = `${SCRATCH}/rc-big`;
  fsload('negdents', big, BIG, 4);
  const before = await scrape();
  await walksDuringLookups(cg.path, big, async () => {
    for (let i = 0; i < 4; i++) {
      fsload('watch', big);
      await sleep(1200); // the mark reaper runs between removal and the next add
    }
  });
  const after = await scrape();
  const { failures, report } = checkRootCause(rc, { cgroup: cg.label, dir: big, before, after });
  process.stdout.write(`root-cause: ${JSON.stringify({ report, failures })}\n`);
  const grep = (re: RegExp) => after.split('\n').filter((l) => re.test(l)).slice(0, 30).join('\n');
  process.stdout.write(`${grep(/^fsnotify_(directory_dentry_creat|watch_changes_by_process|directory_lock_wait_by_cgroup)|probe_attached\{probe="(creators|churn)/)}\n`);
  daemon.child.kill('SIGTERM');
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
