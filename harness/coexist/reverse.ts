// Inside one guest (npm run coexist -- --reverse): the coexistence case turned round. The daemon
// (fentry) runs while another tool's fentry/fexit programs on the walk function are attached and
// detached again and again during 200k-child walks: each attach or detach rebuilds the walk
// function's trampoline, and the calls in flight lose their fexit programs, the daemon's walk_exit
// among them. The walkers sleep between walks, so the daemon can tell from /proc that a walk whose
// exit it missed has ended. First, one daemon start and stop of this checkout (and of
// COEXIST_OLD_MAIN, another build's main.js, if given) with a kprobe counting trampoline rebuilds.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nearLockupCheck } from '../../test/e2e/race-checks.js';
import { fsload, logger, OUT, SCRATCH, scrape, sleep, startBpftrace, startDaemon, waitReady, writeResults } from '../guest-kit.js';
import { parseProm, sum } from '../prom-text.js';
import { startChurn, waitExit, type Churn } from './churn.js';
import { countsOf, stopTool, targets } from './tools.js';

const CHILDREN = Number(process.env.COEXIST_CHILDREN ?? 200_000);
/** attach+detach rounds of the other tool's kfunc/kretfunc pair on the walk function (4 rebuilds each) */
const TOGGLES = Number(process.env.COEXIST_TOGGLES ?? 8);
const WALKERS = Number(process.env.COEXIST_WALKERS ?? 4);
/** each walker's sleep after a walk: longer than the near-lockup limit, so a missed exit left in the map would be reported */
const PAUSE_SECONDS = Number(process.env.COEXIST_PAUSE ?? 2.5);
/** the near-lockup limit the daemon runs with: far above a 200k walk (tens to hundreds of ms under TCG) */
const NEAR_LIMIT_SECONDS = 2;
const OLD_MAIN = process.env.COEXIST_OLD_MAIN;
const RESULTS = 'coexist-reverse.json';
const log = logger('coexist-reverse');

// Per function, every rebuild of its trampoline (bpf_trampoline_update, 5.10–6.x); where that is
// not probeable, every trampoline rebuild of the kernel (arch_prepare_bpf_trampoline).
const REBUILDS_BY_FUNCTION = 'kprobe:bpf_trampoline_update { @rebuilds[ksym(((struct bpf_trampoline *)arg0)->func.addr)] = count(); }';
const REBUILDS_ALL = 'kprobe:arch_prepare_bpf_trampoline { @rebuilds["all"] = count(); }';

/** Trampoline rebuilds during one daemon start (to ready) and stop (SIGTERM), by function. */
async function rebuildsPerStartStop(main: string | undefined, label: string): Promise<Record<string, unknown>> {
  let bt = await startBpftrace(REBUILDS_BY_FUNCTION);
  let probe = 'bpf_trampoline_update';
  if (bt.child.exitCode !== null || !bt.output().includes('Attaching')) {
    log(`bpf_trampoline_update not probeable (${bt.output().trim().split('\n').at(-1)}): counting arch_prepare_bpf_trampoline`);
    await stopTool(bt);
    bt = await startBpftrace(REBUILDS_ALL);
    probe = 'arch_prepare_bpf_trampoline';
  }
  const t0 = Date.now();
  const daemon = startDaemon(['--bpf.mechanism=fentry'], { logFile: `reverse-rebuilds-${label}.log`, ...(main ? { main } : {}) });
  const ready = await waitReady(daemon.child, 900);
  const readyMs = Date.now() - t0;
  daemon.child.kill('SIGTERM');
  const exit = await waitExit(daemon.child, 300);
  await stopTool(bt); // bpftrace prints its maps at exit
  const rebuilds: Record<string, number> = {};
  for (const m of bt.output().matchAll(/^@rebuilds\[(.+)\]: (\d+)$/gm)) rebuilds[m[1] as string] = Number(m[2]);
  log(`${label}: ready ${ready} in ${(readyMs / 1000).toFixed(0)} s, exit ${JSON.stringify(exit)}; rebuilds (${probe}) ${JSON.stringify(rebuilds)}`);
  return { label, main: main ?? 'this checkout', probe, ready, readyMs, exit, rebuilds };
}

const metric = async (names: string[]): Promise<Record<string, number>> => {
  const m = parseProm(await scrape());
  return Object.fromEntries(names.map((n) => [n, sum(m, n)]));
};
const METRICS = ['fsnotify_walks_total', 'fsnotify_walks_in_flight', 'fsnotify_exporter_walks_in_flight_stale_total', 'fsnotify_near_softlockup_total'];

async function main() {
  writeFileSync('/proc/sys/kernel/printk', '7');
  const t = targets();
  const thresh = Number(readFileSync('/proc/sys/kernel/watchdog_thresh', 'utf8').trim());
  const threshold = thresh > 0 ? 2 * thresh : 20; // as src/kernel/watchdog.ts reads it
  const results: Record<string, unknown> = {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    walk: t.walk,
    children: CHILDREN,
    toggles: TOGGLES,
    walkers: WALKERS,
    pauseSeconds: PAUSE_SECONDS,
    nearLimitSeconds: NEAR_LIMIT_SECONDS,
  };
  const save = () => writeResults(RESULTS, results);
  const problems: string[] = [];
  results.problems = problems;
  const t0 = Date.now();

  // 1. trampoline rebuilds per daemon start+stop, no other tool attached
  results.rebuilds = [...(OLD_MAIN ? [await rebuildsPerStartStop(OLD_MAIN, 'before')] : []), await rebuildsPerStartStop(undefined, 'after')];
  save();

  // 2. the reverse case
  const dir = join(SCRATCH, 'coexist');
  results.negdentsSeconds = fsload('negdents', dir, CHILDREN, 2).seconds;
  const kprobes = await startBpftrace(`BEGIN { @walk_entry = count(); @walk_exit = count(); } kprobe:${t.walk} { @walk_entry = count(); } kretprobe:${t.walk} { @walk_exit = count(); }`);
  const names = ['walk_entry', 'walk_exit'];
  const daemon = startDaemon(
    [
      '--bpf.mechanism=fentry',
      '--children-scan.interval=1ms',
      `--near-softlockup.ratio=${NEAR_LIMIT_SECONDS / threshold}`,
      '--near-softlockup.check-interval=100ms',
      // every walk gets a slow_walk line, so a near_softlockup report can be matched to its walk's end
      '--slow-walk.threshold=1ms',
    ],
    { logFile: 'reverse-daemon.log' },
  );
  const readyT0 = Date.now();
  if (!(await waitReady(daemon.child, 900))) throw new Error(`the daemon was not ready in 900 s: ${daemon.output().slice(-2000)}`);
  results.readyMs = Date.now() - readyT0;
  const k0 = await countsOf(kprobes, names);
  const m0 = await metric(METRICS);
  const churns: Churn[] = [];
  for (let i = 0; i < WALKERS; i++) churns.push(startChurn(dir, { stopFile: join(SCRATCH, `reverse-stop-${i}`), pauseSeconds: PAUSE_SECONDS }));
  const toggles: unknown[] = [];
  for (let i = 0; i < TOGGLES; i++) {
    const s0 = Date.now();
    const other = await startBpftrace(`kfunc:${t.walk} { @e = count(); } kretfunc:${t.walk} { @x = count(); }`);
    const attached = other.output().includes('Attaching');
    const stopped = await stopTool(other);
    const m = await metric(METRICS);
    toggles.push({ toggle: i + 1, attached, seconds: (Date.now() - s0) / 1000, stopMs: stopped.ms, adds: churns.reduce((n, c) => n + c.adds(), 0), ...m });
    log(`toggle ${i + 1}/${TOGGLES}: attached ${attached}, ${((Date.now() - s0) / 1000).toFixed(0)} s; ${JSON.stringify(m)}`);
    results.toggles = toggles;
    save();
  }
  const totals = await Promise.all(churns.map((c) => c.stop()));
  const adds = totals.reduce((n, x) => n + x.adds, 0);
  const k1 = await countsOf(kprobes, names);
  const m1 = await metric(METRICS);
  // the walkers have exited: the next near-lockup check (100 ms) finds their threads gone. 30 s
  // covers a starved guest; the wait is at least twice the near-lockup limit, so an entry left
  // behind would have aged past it and been reported
  let end = m1;
  const e0 = Date.now();
  while (Date.now() - e0 < 30_000 && (end['fsnotify_walks_in_flight'] !== 0 || Date.now() - e0 < 2 * NEAR_LIMIT_SECONDS * 1000)) {
    await sleep(500);
    end = await metric(METRICS);
  }
  daemon.child.kill('SIGTERM');
  const exit = await waitExit(daemon.child, 300);
  await stopTool(kprobes);
  const walks = (k1.walk_entry ?? 0) - (k0.walk_entry ?? 0);
  const daemonWalks = (m1['fsnotify_walks_total'] ?? 0) - (m0['fsnotify_walks_total'] ?? 0);
  const stale = end['fsnotify_exporter_walks_in_flight_stale_total'] ?? 0;
  const near = nearLockupCheck(readFileSync(join(OUT, 'reverse-daemon.log'), 'utf8'));
  Object.assign(results, {
    adds,
    walks,
    kprobeExits: (k1.walk_exit ?? 0) - (k0.walk_exit ?? 0),
    daemonWalks,
    missedExits: walks - daemonWalks,
    // every walk the daemon entered: counted at its exit, dropped as stale, or still in the map
    daemonEntries: (end['fsnotify_walks_total'] ?? 0) - (m0['fsnotify_walks_total'] ?? 0) + stale + (end['fsnotify_walks_in_flight'] ?? 0),
    stale,
    inFlightAtEnd: end['fsnotify_walks_in_flight'],
    nearSoftlockups: end['fsnotify_near_softlockup_total'],
    nearCheck: near.report,
    exit,
    seconds: (Date.now() - t0) / 1000,
  });
  if (!(stale > 0)) problems.push(`no stale in-flight walk dropped (missed exits: ${walks - daemonWalks}): the case did not happen`);
  if (end['fsnotify_walks_in_flight'] !== 0) problems.push(`fsnotify_walks_in_flight is ${end['fsnotify_walks_in_flight']} with no walker left`);
  // no report at all is a pass here: every report must be of a walk still running
  problems.push(...near.failures.filter((f) => f !== 'no near_softlockup log line'));
  if (exit?.code !== 0) problems.push(`daemon exit after SIGTERM: ${JSON.stringify(exit)}`);
  results.done = true;
  save();
  log(`done: ${walks} walks, the daemon counted ${daemonWalks} (missed ${walks - daemonWalks} exits), ${stale} stale dropped, in flight at the end ${end['fsnotify_walks_in_flight']}, near_softlockup ${end['fsnotify_near_softlockup_total']}${problems.length ? `; PROBLEMS: ${problems.join('; ')}` : ''}`);
}

main().catch((e) => {
  writeResults('coexist-error.json', { error: String(e?.stack ?? e) });
  process.stdout.write(`coexist-reverse: ${e?.stack ?? e}\n`);
  process.exit(1);
});
