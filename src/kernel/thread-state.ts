// A thread's scheduler state and voluntary context switches from /proc/<tid>/status (world-readable),
// and whether /proc numbers threads as the kernel (and so the BPF maps' tids) does.
import { readFileSync, readlinkSync } from 'node:fs';

export interface ThreadState {
  /** one letter: R running or runnable, S, D, T, t, Z, X, I */
  state: string;
  /** sleeps: a thread that holds a (non-RT) spin lock makes none */
  voluntarySwitches: number;
}

/** The thread's state; undefined once no thread has that id. */
export type ThreadStateReader = (tid: number) => ThreadState | undefined;

export function parseThreadStatus(text: string): ThreadState | undefined {
  const state = /^State:\s+(\S)/m.exec(text)?.[1];
  const switches = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1];
  if (state === undefined || switches === undefined) return undefined;
  return { state, voluntarySwitches: Number(switches) };
}

export const readThreadState: ThreadStateReader = (tid) => {
  let text: string;
  try {
    text = readFileSync(`/proc/${tid}/status`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw e;
  }
  return parseThreadStatus(text);
};

/** The initial pid namespace's inode (PROC_PID_INIT_INO), fixed in the kernel since 3.8. */
const INIT_PID_NS = 'pid:[4026531836]';

/** Whether this process's /proc shows the host's thread ids (not so in a pod without hostPID). */
export function inInitialPidNamespace(readlink: (path: string) => string = readlinkSync): boolean {
  try {
    return readlink('/proc/self/ns/pid') === INIT_PID_NS;
  } catch {
    return false;
  }
}
