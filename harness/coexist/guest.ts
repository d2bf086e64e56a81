// Inside one guest (npm run coexist): other tracers sit on the walk, watch-syscall and spin-lock
// slow-path functions first (bpftrace kprobe/kretprobe, and a second bpftrace with kfunc/kretfunc,
// i.e. fentry/fexit), then the daemon (fentry, --children-scan.interval=1ms) is started and stopped
// CYCLES times while a watch churn walks a directory of CHILDREN negative dentries, during its
// attach and during its detach. After each cycle: how the daemon ended, whether anything of ours
// is left in the kernel, and whether the other tools' counts still match the workload's.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsload, logger, OUT, SCRATCH, scrape, sleep, startBpftrace, startDaemon, waitReady, writeResults } from '../guest-kit.js';
import { parseProm, sum } from '../prom-text.js';
import { moreAdds, startChurn, waitExit } from './churn.js';
import { compareCounts } from './counts.js';
import { countingProgram, countsOf, stopTool, targets } from './tools.js';

const CYCLES = Number(process.env.COEXIST_CYCLES ?? 30);
const CHILDREN = Number(process.env.COEXIST_CHILDREN ?? 200_000);
/** every KILL_EVERY-th cycle ends with SIGKILL instead of SIGTERM */
const KILL_EVERY = Number(process.env.COEXIST_KILL_EVERY ?? 3);
/** the daemon's --bpf.mechanism: fentry (the hang's configuration) or kprobe */
const MECHANISM = process.env.COEXIST_MECHANISM ?? 'fentry';
/** run the daemon without CAP_SYS_ADMIN, as the packaged unit does (and perf_event_paranoid=2, so kprobes are permitted) */
const WITHOUT_SYS_ADMIN = process.env.COEXIST_WITHOUT_SYS_ADMIN === '1';
const CALIBRATION_ADDS = 5;
const RESULTS = 'coexist.json';
const log = logger('coexist');

/** Programs (id: name), links (id: program id) and kprobe_events: what a cycle must give back. */
function kernelState() {
  const progs = JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }).stdout || '[]') as Array<{ id: number; name?: string; recursion_misses?: number }>;
  const links = JSON.parse(spawnSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout || '[]') as Array<{ id: number; prog_id?: number }>;
  let kprobeEvents = '';
  try {
    kprobeEvents = readFileSync('/sys/kernel/tracing/kprobe_events', 'utf8').trim();
  } catch {
    // no kprobe_events
  }
  return {
    progs: Object.fromEntries(progs.map((p) => [p.id, p.name ?? ''])) as Record<string, string>,
    // a tracing program the kernel skipped because it was already running on that CPU
    recursionMisses: Object.fromEntries(progs.filter((p) => p.recursion_misses).map((p) => [`${p.id} ${p.name ?? ''}`, p.recursion_misses])) as Record<string, number>,
    links: Object.fromEntries(links.map((l) => [l.id, l.prog_id ?? 0])) as Record<string, number>,
    kprobeEvents,
  };
}
type KernelState = ReturnType<typeof kernelState>;

function leftBehind(base: KernelState, now: KernelState): string[] {
  const bad: string[] = [];
  const extra = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys(a).filter((k) => !(k in b));
  const added = extra(now.progs, base.progs).map((id) => `${id} ${now.progs[id]}`);
  const gone = extra(base.progs, now.progs).map((id) => `${id} ${base.progs[id]}`);
  if (added.length) bad.push(`programs left: ${added.join(', ')}`);
  if (gone.length) bad.push(`the other tools' programs gone: ${gone.join(', ')}`);
  const linksAdded = extra(now.links, base.links).map((id) => `${id} (program ${now.links[id]} ${now.progs[String(now.links[id])] ?? ''})`);
  if (linksAdded.length) bad.push(`links left: ${linksAdded.join(', ')}`);
  if (extra(base.links, now.links).length) bad.push(`the other tools' links gone: ${extra(base.links, now.links).join(', ')}`);
  if (base.kprobeEvents !== now.kprobeEvents) bad.push(`kprobe_events: ${now.kprobeEvents}`);
  return bad;
}

/**
 * What is left once the daemon is gone, and after how long the kernel state equals the baseline.
 * A link or program can outlive the process briefly (released from a work queue), so this polls;
 * 30 s is far past any such release, so what remains then is a leftover.
 */
async function settle(base: KernelState): Promise<{ ms: number; left: string[]; firstSeen: string[] }> {
  const t0 = Date.now();
  const firstSeen = leftBehind(base, kernelState());
  let left = firstSeen;
  while (left.length && Date.now() - t0 < 30_000) {
    await sleep(500);
    left = leftBehind(base, kernelState());
  }
  return { ms: Date.now() - t0, left, firstSeen };
}

async function main() {
  // a lockup prints where every CPU is, and nothing panics (the boot line says the same)
  writeFileSync('/proc/sys/kernel/softlockup_all_cpu_backtrace', '1');
  writeFileSync('/proc/sys/kernel/softlockup_panic', '0');
  writeFileSync('/proc/sys/kernel/printk', '7');
  // Debian's 3 refuses kprobes without CAP_SYS_ADMIN, and the daemon then keeps fentry (attach-plan.ts kprobesPermitted)
  if (WITHOUT_SYS_ADMIN) writeFileSync('/proc/sys/kernel/perf_event_paranoid', '2');
  const t = targets();
  const results: Record<string, unknown> = {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    cpus: readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length,
    bpftrace: spawnSync('bpftrace', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    targets: t,
    children: CHILDREN,
    mechanism: MECHANISM,
    withoutSysAdmin: WITHOUT_SYS_ADMIN,
    cycles: [] as unknown[],
  };
  const save = () => writeResults(RESULTS, results);
  const t0 = Date.now();
  const dir = join(SCRATCH, 'coexist');
  const made = fsload('negdents', dir, CHILDREN, 2);
  log(`${CHILDREN} negative children in ${made.seconds} s`);
  results.negdentsSeconds = made.seconds;

  const kprobes = await startBpftrace(countingProgram(t, 'kprobe'));
  const fentries = await startBpftrace(countingProgram(t, 'kfunc'));
  for (const bt of [kprobes, fentries])
    if (bt.child.exitCode !== null || !bt.output().includes('Attaching')) throw new Error(`bpftrace did not attach: ${bt.output()}`);
  const names = ['walk_entry', 'walk_exit', ...(t.add ? ['add_entry', 'add_exit'] : []), ...(t.rm ? ['rm_entry', 'rm_exit'] : [])];
  // bpftrace says "Attaching" before its last links exist: the baseline waits for the kfunc
  // tool's links (one per probe; the kprobe tool's probes are perf events, not links)
  const kfuncLinks = 2 * [t.walk, t.add, t.rm, t.slowpath].filter(Boolean).length;
  let base = kernelState();
  for (let i = 0; i < 600 && Object.keys(base.links).length < kfuncLinks; i++) {
    await sleep(500);
    base = kernelState();
  }
  if (Object.keys(base.links).length < kfuncLinks) throw new Error(`the kfunc tool has ${Object.keys(base.links).length} links after 5 min, not ${kfuncLinks}`);
  results.baseline = base;
  log(`tools attached: ${Object.keys(base.progs).length} programs, ${Object.keys(base.links).length} links; ${JSON.stringify(t)}`);

  // the relation between the workload and the walks on this kernel, without the daemon
  const k0 = await countsOf(kprobes, names);
  const f0 = await countsOf(fentries, names);
  const cal = startChurn(dir);
  await moreAdds(cal, CALIBRATION_ADDS, 900);
  const calTotals = await cal.stop();
  const k1 = await countsOf(kprobes, names);
  const walksPerAdd = ((k1.walk_entry ?? 0) - (k0.walk_entry ?? 0)) / calTotals.adds;
  results.calibration = { adds: calTotals.adds, walks: (k1.walk_entry ?? 0) - (k0.walk_entry ?? 0), walksPerAdd };
  log(`calibration: ${calTotals.adds} adds, ${(k1.walk_entry ?? 0) - (k0.walk_entry ?? 0)} walks (${walksPerAdd} per add)`);
  if (!Number.isInteger(walksPerAdd) || walksPerAdd < 1) throw new Error(`walks per watch add is ${walksPerAdd}, not a whole number: the count check would mean nothing`);
  let adds = calTotals.adds;
  let removes = calTotals.removes;
  save();

  for (let i = 0; i < CYCLES; i++) {
    const signal: NodeJS.Signals = KILL_EVERY > 0 && i % KILL_EVERY === KILL_EVERY - 1 ? 'SIGKILL' : 'SIGTERM';
    const c0 = Date.now();
    const churn = startChurn(dir);
    await moreAdds(churn, 1, 600); // a walk is running or just ran when the daemon starts loading
    const addsAtStart = churn.adds();
    const daemon = startDaemon([`--bpf.mechanism=${MECHANISM}`, '--children-scan.interval=1ms'], {
      logFile: `coexist-daemon-${i}.log`,
      ...(WITHOUT_SYS_ADMIN ? { wrapper: ['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin', '--'] } : {}),
    });
    const ready = await waitReady(daemon.child, 900);
    const readyMs = Date.now() - c0;
    const addsDuringAttach = churn.adds() - addsAtStart;
    let daemonWalks: number | undefined;
    let walkMechanism: string | undefined;
    if (ready) {
      // the daemon sees walks of the big directory while attached
      await moreAdds(churn, 1, 600);
      const samples = parseProm(await scrape());
      daemonWalks = sum(samples, 'fsnotify_walks_total');
      // auto takes kprobes on a function another tool's fentry/fexit shares (attach-plan.ts)
      walkMechanism = ['fentry', 'kprobe'].find((m) => sum(samples, 'fsnotify_exporter_probe_attached', { probe: 'walk_entry', mechanism: m }) === 1);
    }
    const addsBeforeSignal = churn.adds();
    const s0 = Date.now();
    daemon.child.kill(signal);
    let exit = await waitExit(daemon.child, 300);
    const exitMs = Date.now() - s0;
    const stuck = exit === undefined;
    if (stuck) {
      daemon.child.kill('SIGKILL');
      exit = await waitExit(daemon.child, 60);
    }
    const addsDuringDetach = churn.adds() - addsBeforeSignal;
    const totals = await churn.stop();
    adds += totals.adds;
    removes += totals.removes;
    const settled = await settle(base);
    const [k, f] = [await countsOf(kprobes, names), await countsOf(fentries, names)];
    const expectedExit = signal === 'SIGTERM' ? exit?.code === 0 : exit?.signal === 'SIGKILL';
    const problems = [
      ...(ready ? [] : ['never ready']),
      ...(stuck ? [`still running ${exitMs} ms after ${signal}`] : []),
      ...(expectedExit ? [] : [`exit after ${signal}: code ${exit?.code}, signal ${exit?.signal}`]),
      ...settled.left,
      ...compareCounts({ kprobes: k, fentries: f, kprobesStart: k0, fentriesStart: f0, adds, removes, walksPerAdd }),
    ];
    const cycle = {
      cycle: i + 1, signal, ready, readyMs, exitMs, exit, adds: totals.adds, addsDuringAttach, addsDuringDetach, daemonWalks, walkMechanism,
      kprobes: k, fentries: f, leftoverMs: settled.ms, leftAtExit: settled.firstSeen, recursionMisses: kernelState().recursionMisses, seconds: (Date.now() - c0) / 1000, problems,
    };
    (results.cycles as unknown[]).push(cycle);
    save();
    log(`cycle ${i + 1}/${CYCLES} ${signal}: ready ${(readyMs / 1000).toFixed(1)} s, exit ${JSON.stringify(exit)} in ${exitMs} ms, ${totals.adds} adds (${addsDuringAttach} while attaching, ${addsDuringDetach} while detaching), daemon saw ${daemonWalks} walks (walk probe: ${walkMechanism}), bpftrace walks ${k.walk_entry}/${k.walk_exit}, fentry walks ${f.walk_entry}/${f.walk_exit}${problems.length ? `; PROBLEMS: ${problems.join('; ')}` : ''}`);
  }
  // the counts were checked after every cycle; how the tools end is recorded, not awaited forever
  // (in the first smoke run a bpftrace took over 8 minutes to exit after SIGINT)
  results.toolsExit = { kprobes: await stopTool(kprobes), fentries: await stopTool(fentries) };
  results.seconds = (Date.now() - t0) / 1000;
  results.adds = adds;
  results.removes = removes;
  results.done = true;
  save();
  if (existsSync(join(OUT, RESULTS))) log(`done in ${results.seconds} s`);
}

main().catch((e) => {
  writeResults('coexist-error.json', { error: String(e?.stack ?? e) });
  process.stdout.write(`coexist: ${e?.stack ?? e}\n`);
  process.exit(1);
});
