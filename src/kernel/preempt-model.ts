// The kernel's preemption model, for the probes whose every run is a count: fentry/fexit programs
// run with migration disabled but stay preemptible, and while one is preempted the kernel skips
// every other run of it on that CPU (recursion_misses). kprobe programs run with preemption off.
import { readFileSync } from 'node:fs';

export interface PreemptModel {
  /** none, voluntary, full, lazy, rt; dynamic: PREEMPT_DYNAMIC with the mode unreadable */
  model: string;
  /** whether a task can be preempted inside a BPF trampoline program */
  preemptible: boolean;
  /** where the model was read */
  source: string;
}

const PREEMPTIBLE = new Set(['full', 'lazy', 'rt', 'dynamic']);

type Read = (path: string) => string | undefined;

const readOrUndefined: Read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** From debugfs's sched/preempt ("none voluntary (full) lazy"), else the build (uname -v) and preempt= on the command line. */
export function preemptModel(read: Read = readOrUndefined): PreemptModel {
  const of = (model: string, source: string): PreemptModel => ({ model, preemptible: PREEMPTIBLE.has(model), source });
  const debugfs = /\((\w+)\)/.exec(read('/sys/kernel/debug/sched/preempt') ?? '');
  if (debugfs) return of(debugfs[1] as string, '/sys/kernel/debug/sched/preempt');
  const version = read('/proc/sys/kernel/version') ?? '';
  if (/\bPREEMPT_RT\b/.test(version)) return of('rt', 'uname -v');
  if (/\bPREEMPT_DYNAMIC\b/.test(version)) {
    const cmdline = /(?:^|\s)preempt=(\w+)/.exec(read('/proc/cmdline') ?? '');
    // unknown build default: treated as preemptible, so counts stay exact at a kprobe's extra cost
    return cmdline ? of(cmdline[1] as string, '/proc/cmdline') : of('dynamic', 'uname -v');
  }
  if (/\bPREEMPT_LAZY\b/.test(version)) return of('lazy', 'uname -v');
  if (/\bPREEMPT\b/.test(version)) return of('full', 'uname -v');
  return of('voluntary', 'uname -v');
}
