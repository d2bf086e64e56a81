// After attaching, the startup garbage (the 5 MB /proc/kallsyms text, module compilation, the
// rejected fentry attempt) sits in V8's old generation until its next full GC, which an idle daemon
// may not reach for hours, and libbpf's freed allocations (the kernel's vmlinux BTF, parsed for
// CO-RE) stay mapped in glibc's heap. One full GC and malloc_trim hand both back (issue 7's RSS
// goal; docs/benchmarks.md has the numbers).
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
