// After attaching, the startup garbage (the kallsyms text, module compilation, the rejected fentry
// attempt) sits in V8's old generation until a full GC an idle daemon may not reach for hours, and
// libbpf's freed allocations (the vmlinux BTF parsed for CO-RE) stay in glibc's heap. One full GC
// and malloc_trim hand both back (docs/benchmarks.md).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mallocTrim } from '../bpf/libbpf.js';

export function compactAfterStartup(): void {
  // gc() is only reachable with --expose-gc; set here rather than on every command line that runs
  // the daemon (unit, start.sh, container). A context created after the flag sees the function.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  mallocTrim();
}
