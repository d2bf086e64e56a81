// npm run coexist -- [--kernel debian-6.1] [--mechanism fentry|kprobe|auto] [--without-sys-admin] [--cycles 30] [--children 200000] [--kill-every 3] [--out DIR]
//   or: npm run coexist -- --reverse [--toggles 8] [--walkers 4] [--old-main DIR/dist/src/main.js] (harness/coexist/reverse.ts)
// One guest (2 vCPUs, plain TCG): bpftrace's kprobe/kretprobe and a second bpftrace's kfunc/kretfunc
// sit on the walk, watch-syscall and spin-lock slow-path functions; the daemon (fentry, 1 ms child
// scan) starts and stops CYCLES times during walks of a directory of 200k negative children
// (harness/coexist/guest.ts). Passes when no CPU locked up (the console, with every CPU's backtrace
// on a lockup), every daemon ended as its signal says, nothing of ours was left behind and the
// other tools' counts match the workload's. Not part of CI: it takes about an hour under TCG.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { MECHANISMS } from '../../src/config/options.js';
import { CACHE, VmError } from '../guest/kernels.js';
import { runInVm } from '../guest/vm.js';
import { consoleTrouble } from '../guest/console-trouble.js';
import { summarize, type CoexistResults } from './summary.js';

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number');
  return Number(v);
};
const o = new Command('coexist')
  .option('--kernel <name>', 'guest kernel', 'debian-6.1')
  .option('--cycles <n>', 'daemon start/stop cycles', int, 30)
  .option('--children <n>', 'negative children of the walked directory', int, 200_000)
  .option('--mechanism <m>', "the daemon's --bpf.mechanism (fentry: the hang's configuration)", (v: string) => {
    if (!(MECHANISMS as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${MECHANISMS.join(', ')}`);
    return v;
  }, 'fentry')
  .option('--without-sys-admin', "the daemon without CAP_SYS_ADMIN, as under the packaged unit, with perf_event_paranoid=2 so kprobes are permitted")
  .option('--kill-every <n>', 'every n-th cycle ends with SIGKILL instead of SIGTERM (0: never)', int, 3)
  .option('--timeout <s>', 'kill the guest after this many seconds (default: 30 min + 4 min a cycle)', int)
  .option('--out <dir>', 'where the console, results and daemon logs go')
  .option('--reverse', "the other tool attaches and detaches fentry/fexit on the walk function while the daemon runs: the daemon's missed walk exits")
  .option('--toggles <n>', 'with --reverse: attach+detach rounds of the other tool', int, 8)
  .option('--walkers <n>', 'with --reverse: watch churns, each sleeping 2.5 s after a walk', int, 4)
  .option('--old-main <path>', "with --reverse: another build's dist/src/main.js, whose trampoline rebuilds per start/stop are counted too (the before)")
  .parse()
  .opts<{ kernel: string; mechanism: string; withoutSysAdmin?: boolean; cycles: number; children: number; killEvery: number; timeout?: number; out?: string; reverse?: boolean; toggles: number; walkers: number; oldMain?: string }>();

const log = (m: string) => process.stderr.write(`coexist: ${m}\n`);
const outDir = o.out ? resolve(o.out) : join(CACHE, `coexist-${o.kernel}-${new Date().toISOString().replace(/[:.]/g, '-')}`);

async function main(): Promise<number> {
  if (o.reverse) return reverse();
  log(`${o.cycles} cycles on ${o.kernel}, ${o.children} children; output in ${outDir}`);
  const vm = await runInVm({
    kernel: o.kernel,
    smp: 2,
    outDir,
    timeoutSec: o.timeout ?? 1800 + o.cycles * 240,
    // a soft lockup prints every CPU's backtrace and does not panic (the guest also sets these
    // and raises the console level once it is up; the boot itself stays quiet)
    append: 'softlockup_all_cpu_backtrace=1 softlockup_panic=0',
    command: `COEXIST_CYCLES=${o.cycles} COEXIST_CHILDREN=${o.children} COEXIST_KILL_EVERY=${o.killEvery} COEXIST_MECHANISM=${o.mechanism} COEXIST_WITHOUT_SYS_ADMIN=${o.withoutSysAdmin ? 1 : 0} node dist/harness/coexist/guest.js`,
    onLine: (l) => log(`guest: ${l}`),
  });
  const trouble = consoleTrouble(readFileSync(vm.consolePath, 'utf8'));
  const resultsPath = join(outDir, 'coexist.json');
  const r = existsSync(resultsPath)
    ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as CoexistResults)
    : undefined;
  if (r) for (const l of summarize(r)) log(l);
  const failures = [
    ...(vm.status === 0 ? [] : [`guest exited ${vm.status}`]),
    ...trouble.map((l) => `console: ${l}`),
    ...(r?.done ? [] : [`the guest finished ${r?.cycles.length ?? 0} of ${o.cycles} cycles`]),
    ...(r?.cycles ?? []).flatMap((c) => c.problems.map((p) => `cycle ${c.cycle}: ${p}`)),
  ];
  log(`${r?.cycles.length ?? 0} cycles in ${(vm.durationMs / 1000).toFixed(0)} s; console ${vm.consolePath}; results ${resultsPath}`);
  for (const f of failures) log(`FAIL ${f}`);
  if (failures.length === 0) log('PASS: no lockup, every daemon ended as signalled, nothing left behind, no count lost');
  return failures.length === 0 ? 0 : 1;
}

/** --reverse: one guest, harness/coexist/reverse.ts; passes when its problems are none and the console is clean. */
async function reverse(): Promise<number> {
  log(`reverse: ${o.toggles} toggles, ${o.walkers} walkers on ${o.kernel}, ${o.children} children; output in ${outDir}`);
  const vm = await runInVm({
    kernel: o.kernel,
    smp: 2,
    outDir,
    timeoutSec: o.timeout ?? 3600,
    append: 'softlockup_all_cpu_backtrace=1 softlockup_panic=0',
    command: `COEXIST_CHILDREN=${o.children} COEXIST_TOGGLES=${o.toggles} COEXIST_WALKERS=${o.walkers}${o.oldMain ? ` COEXIST_OLD_MAIN=${resolve(o.oldMain)}` : ''} node dist/harness/coexist/reverse.js`,
    onLine: (l) => log(`guest: ${l}`),
  });
  const trouble = consoleTrouble(readFileSync(vm.consolePath, 'utf8'));
  const resultsPath = join(outDir, 'coexist-reverse.json');
  const r = existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as { done?: boolean; problems: string[] }) : undefined;
  const failures = [
    ...(vm.status === 0 ? [] : [`guest exited ${vm.status}`]),
    ...trouble.map((l) => `console: ${l}`),
    ...(r?.done ? [] : ['the guest did not finish']),
    ...(r?.problems ?? []),
  ];
  log(`${(vm.durationMs / 1000).toFixed(0)} s; console ${vm.consolePath}; results ${resultsPath}`);
  for (const f of failures) log(`FAIL ${f}`);
  if (failures.length === 0) log('PASS: missed walk exits dropped as stale and counted, no near_softlockup for a walk that ended, nothing in flight at the end');
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(e instanceof VmError ? e.message : String(e?.stack ?? e));
    process.exit(2);
  },
);
