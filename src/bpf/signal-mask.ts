// The verifier gives up with EAGAIN when a signal is pending on the loading thread (a profiler's
// SIGPROF, a SIGTERM during start), so every libbpf call that may run it runs with this thread's
// blockable signals blocked: process-directed ones go to Node's other threads, thread-directed
// ones wait, and Node handles both once the call returns.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const pthreadSigmask = libc.func('int pthread_sigmask(int how, const void *set, void *oldset)') as unknown as (how: number, set: Buffer | null, old: Buffer | null) => number;
const sigfillset = libc.func('int sigfillset(void *set)') as unknown as (set: Buffer) => number;

// glibc's sigset_t (1024 bits) on x86-64 and arm64; SIG_BLOCK and SIG_SETMASK are Linux's generic values
const SIGSET_SIZE = 128;
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;

const everySignal = Buffer.alloc(SIGSET_SIZE);
if (sigfillset(everySignal) !== 0) throw new Error('sigfillset failed');

/** fn() with every blockable signal blocked on the calling thread; the mask before is restored after. */
export function withSignalsBlocked<T>(fn: () => T): T {
  const before = Buffer.alloc(SIGSET_SIZE);
  const rc = pthreadSigmask(SIG_BLOCK, everySignal, before);
  if (rc !== 0) throw new Error(`pthread_sigmask(SIG_BLOCK) failed: errno ${rc}`);
  try {
    return fn();
  } finally {
    pthreadSigmask(SIG_SETMASK, before, null);
  }
}
