// Inside one guest (test/flakes/focused.ts): each formerly timing-bound e2e check (race-checks.ts),
// FLAKES_LOOPS times in a row on one daemon, set up as the suite sets it up; every result goes to
// $VM_OUT/focused.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsload, fsloadInBackground, getJson, logger, OUT, scrape, SCRATCH, sleep, startDaemon, waitReady, writeResults } from '../../harness/guest-kit.js';
import { parseProm, sum } from '../../harness/prom-text.js';
import { HERD_MAX_BATCHES, HERD_ROUNDS, SCAN_BUDGET, SLOW_WALK_THRESHOLD_MS } from '../../harness/workload-sizes.js';
import { herdCheck, herdLockWaits, nearLockupCheck, overlapCheck, scalingCheck, slowWatchWalkCheck, type Check } from '../e2e/race-checks.js';

const LOOPS = Number(process.env.FLAKES_LOOPS ?? 10);
const SCALE = [50_000, 200_000, 800_000];
const log = logger('flakes');
const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
const oldKernel = kernel.includes('oldfsnotify');
const runs: Array<Record<string, Check>> = [];
const save = (error?: string) => writeResults('focused.json', { kernel, loops: LOOPS, runs, error });

async function main() {
  writeFileSync('/proc/sys/kernel/printk', '4');
  const otherMark = fsloadInBackground('hold-watch', `${SCRATCH}/other`, 24 * 3600);
  writeFileSync('/proc/sys/kernel/watchdog_thresh', '1');
  const dirs = SCALE.map((n) => `${SCRATCH}/scale-${n}`);
  // as the suite: the herd's files first in the biggest directory, then its negative dentries
  mkdirSync(dirs[2] as string, { recursive: true });
  fsload('herd', dirs[2] as string, 4, 0);
  SCALE.forEach((n, i) => fsload('negdents', dirs[i] as string, n, 4));
  const daemon = startDaemon([`--slow-walk.threshold=${SLOW_WALK_THRESHOLD_MS}ms`, '--parent-calls', `--children-scan.budget=${SCAN_BUDGET}`, '--near-softlockup.ratio=0.004', '--near-softlockup.check-interval=10ms'], { logFile: 'daemon.log' });
  if (!(await waitReady(daemon.child, 600))) throw new Error(`the daemon did not become ready: ${daemon.output().slice(-2000)}`);
  log('daemon ready');
  for (let loop = 0; loop < LOOPS; loop++) {
    const run: Record<string, Check> = {};
    // the checks below see this loop's walks only: the list's events and the log's lines since here
    const key = (e: Record<string, unknown>) => `${String(e.time)}:${String(e.pid)}:${String(e.inode)}`;
    const listed = async () => (await getJson<{ events: Array<Record<string, unknown>> }>('/api/v1/slow-walks?limit=1000')).events;
    const seen = new Set((await listed()).map(key));
    const logFrom = readFileSync(join(OUT, 'daemon.log'), 'utf8').length;
    // scaling: two watch adds per size, the mark reaper between them
    const scaling = [];
    for (const [i, n] of SCALE.entries()) {
      const before = await scrape();
      fsload('watch', dirs[i] as string);
      await sleep(500);
      const mid = await scrape();
      await sleep(1000);
      fsload('watch', dirs[i] as string);
      await sleep(500);
      scaling.push({ n, before, mid, after: await scrape() });
    }
    run.scaling = scalingCheck(scaling, 0.01);
    // herd, in batches as the suite runs it
      const h0 = await scrape();
    let after = h0;
    let rounds = 0;
    for (let batch = 0; batch < HERD_MAX_BATCHES; batch++) {
      fsload('herd', dirs[2] as string, 4, HERD_ROUNDS);
      rounds += HERD_ROUNDS;
      await sleep(1000);
      after = await scrape();
      if (Object.values(herdLockWaits(h0, after)).some((n) => n > 0) || !oldKernel) break;
    }
    run.herd = oldKernel ? herdCheck(h0, after, rounds) : { failures: [], report: { skipped: 'no herd on this kernel' } };
    run.herd.report.batches = rounds / HERD_ROUNDS;
    await sleep(500); // the ring buffer is read on a timer
    run.slowWatchWalk = slowWatchWalkCheck((await listed()).filter((e) => !seen.has(key(e))), SLOW_WALK_THRESHOLD_MS / 1000, oldKernel);
    const loopLog = readFileSync(join(OUT, 'daemon.log'), 'utf8').slice(logFrom);
    run.nearLockup = nearLockupCheck(loopLog);
    run.overlap = overlapCheck(loopLog);
    runs.push(run);
    log(`loop ${loop + 1}: ${Object.entries(run).map(([k, c]) => `${k} ${c.failures.length === 0 ? 'ok' : `FAIL ${c.failures.join('; ')}`}`).join(', ')}`);
    save();
  }
  daemon.child.kill('SIGTERM');
  otherMark.kill();
}

main().catch((e) => {
  save(String(e?.stack ?? e));
  process.exit(1);
});
