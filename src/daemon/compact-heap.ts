// After attaching, the startup garbage (the kallsyms text, module compilation, the rejected fentry
// attempt) sits in V8's heap until a GC an idle daemon may not reach for a while, and libbpf's freed
// allocations (the vmlinux BTF parsed for CO-RE) stay in glibc's heap. A memory-reducing GC
// (heap-pressure.ts; a plain full GC where node lacks the call) and malloc_trim hand both back
// (docs/benchmarks.md). Later, glibc keeps what a burst of requests freed (zlib's deflate state,
// sockets' buffers) in its arenas: a malloc_trim every 10 s gives it back (docs/benchmark-findings.md,
// "the web layer's share of RSS").
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mallocTrim } from '../bpf/libbpf.js';
import { everyShared } from '../shared-interval.js';
import { requestHeapReduction } from './heap-pressure.js';

/** Returns why the heap was not reduced with V8's memory-pressure call, when it was not. */
export function compactAfterStartup(reduce: () => string | undefined = requestHeapReduction): string | undefined {
  const notReduced = reduce();
  if (notReduced !== undefined) {
    // gc() is only reachable with --expose-gc; set here rather than on every command line that runs
    // the daemon (unit, start.sh, container). A context created after the flag sees the function.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as (() => void) | undefined)?.();
  }
  mallocTrim();
  return notReduced;
}

/** malloc_trim on every TRIM_EVERY-th tick of the shared 1 s timer (no wakeup of its own): ~17 µs with nothing to give back. */
export const TRIM_EVERY = 10;

/** Returns stop(). */
export function trimPeriodically(trim: () => void = mallocTrim, every: typeof everyShared = everyShared): () => void {
  let ticks = 0;
  return every(1000, () => {
    if (++ticks % TRIM_EVERY === 0) trim();
  });
}
