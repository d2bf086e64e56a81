// The other tools of the coexistence runs: bpftrace programs that count every probe they have on
// the functions the daemon probes, their counts read on SIGUSR1, and stopping them.
import { readKallsyms, SLOWPATH_FUNCTIONS, syscallFunction } from '../../src/kernel/kallsyms.js';
import { sleep, walkFunction, type Bpftrace } from '../guest-kit.js';
import { waitExit } from './churn.js';
import type { ToolCounts } from './counts.js';

/** The functions the daemon probes on this kernel that the other tools also sit on. */
export function targets() {
  const symbols = readKallsyms();
  const walk = walkFunction();
  if (!walk) throw new Error('no walk function in kallsyms');
  return {
    walk,
    add: syscallFunction(symbols, 'inotify_add_watch'),
    rm: syscallFunction(symbols, 'inotify_rm_watch'),
    slowpath: SLOWPATH_FUNCTIONS.find((f) => symbols.has(f)),
  };
}
export type Targets = ReturnType<typeof targets>;

// One count map per probe; bpftrace prints them all on SIGUSR1 and at exit. BEGIN counts each
// once, so every map exists and prints from the start (an empty map prints nothing); the checks
// use differences. `kind`: kprobe/kretprobe or kfunc/kretfunc (fentry/fexit).
export function countingProgram(t: Targets, kind: 'kprobe' | 'kfunc'): string {
  const pairs = ([['walk', t.walk], ['add', t.add], ['rm', t.rm], ['slow', t.slowpath]] as Array<[string, string | undefined]>).filter(([, fn]) => fn);
  const maps = pairs.flatMap(([k]) => [`@${k}_entry`, `@${k}_exit`]);
  const ret = kind === 'kprobe' ? 'kretprobe' : 'kretfunc';
  const probes = pairs.map(([k, fn]) => `${kind}:${fn} { @${k}_entry = count(); } ${ret}:${fn} { @${k}_exit = count(); }`);
  return [`BEGIN { ${maps.map((m) => `${m} = count();`).join(' ')} }`, ...probes].join(' ');
}

/** The tool's count maps now: SIGUSR1 makes bpftrace print every map. */
export async function countsOf(bt: Bpftrace, names: string[]): Promise<ToolCounts> {
  const from = bt.output().length;
  bt.child.kill('SIGUSR1');
  // bpftrace prints the maps from its event loop: a few ms unless the guest is starved
  for (let i = 0; i < 600; i++) {
    const block = bt.output().slice(from);
    const got: ToolCounts = {};
    for (const m of block.matchAll(/^@(\w+): (\d+)$/gm)) got[m[1] as string] = Number(m[2]);
    if (names.every((n) => n in got)) return got;
    await sleep(100);
  }
  throw new Error(`bpftrace printed no counts for ${names.join(', ')} within 60 s`);
}

/** SIGINT, then SIGKILL after 120 s: how it ended and after how long. */
export async function stopTool(bt: Bpftrace): Promise<{ ms: number; exit: unknown }> {
  const t0 = Date.now();
  bt.child.kill('SIGINT');
  let exit = await waitExit(bt.child, 120);
  if (!exit) {
    bt.child.kill('SIGKILL');
    exit = await waitExit(bt.child, 60);
  }
  return { ms: Date.now() - t0, exit: exit ?? 'still running' };
}

