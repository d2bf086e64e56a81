// V8's embedder call for "memory is short" (v8::Isolate::MemoryPressureNotification). At the
// moderate level it starts an incremental mark-compact that shrinks the heap, new space included,
// as V8's memory reducer does; left alone, the reducer runs only after the daemon has been idle for
// ~25 s, and until then the first scrapes see ~2 MB more RSS (docs/benchmark-findings.md, "the ESM
// loader and the memory reducer"). Node exports V8's API for addons; koffi finds it in the process.
// Only the moderate level: the critical one collects inside the call, and a moving GC under a koffi
// call crashed the daemon (SIGSEGV).
import koffi from 'koffi';

const GET_CURRENT = '_ZN2v87Isolate10GetCurrentEv';
const MEMORY_PRESSURE = '_ZN2v87Isolate26MemoryPressureNotificationENS_19MemoryPressureLevelE';
/** v8::MemoryPressureLevel::kModerate */
const MODERATE = 1;

type Notify = () => void;

function bind(): Notify | string {
  try {
    const self = koffi.load(null);
    const isolate = self.func(`void *${GET_CURRENT}()`) as unknown as () => unknown;
    const notify = self.func(`void ${MEMORY_PRESSURE}(void *isolate, int level)`) as unknown as (isolate: unknown, level: number) => void;
    return () => notify(isolate(), MODERATE);
  } catch (e) {
    return `node does not export V8's MemoryPressureNotification (${e instanceof Error ? e.message : String(e)})`;
  }
}

let bound: Notify | string | undefined;

/**
 * Asks V8 for a memory-reducing mark-compact, incremental (it finishes on V8's own tasks, after
 * this returns). Returns undefined when asked, else why not (the caller falls back to a full GC).
 */
export function requestHeapReduction(): string | undefined {
  bound ??= bind();
  if (typeof bound === 'string') return bound;
  bound();
  return undefined;
}
