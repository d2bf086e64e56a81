// The probe table: every probe, what it attaches to, and its programs mechanism by mechanism in
// order of preference. The only place that names the object's programs; test/bpf/names.test.ts
// checks every name here against the compiled objects.
import type { KernelSymbols, RootCauseFunction, WalkFunction, WatchSyscall } from '../kernel/kallsyms.js';
import { PARENT_FUNCTION, SLOWPATH_FUNCTIONS, syscallFunction } from '../kernel/kallsyms.js';

export type Family = 'fentry' | 'kprobe' | 'tracepoint';
export type Mechanism = 'fentry' | 'fexit' | 'kprobe' | 'kretprobe' | 'tracepoint' | 'none';
/** The names probes have in statuses, logs and fsnotify_exporter_probe_attached{probe}. */
export type ProbeName =
  | 'walk_entry'
  | 'walk_exit'
  | 'parent_entry'
  | 'lock_wait_entry'
  | 'lock_wait_exit'
  | 'watch_inotify_add'
  | 'watch_inotify_remove'
  | 'watch_fanotify_mark'
  | 'creators_lookup'
  | 'creators_add'
  | 'creators_instantiate'
  | 'creators_delete'
  | 'churn_add'
  | 'churn_remove';

export interface Variant {
  family: Family;
  /** the entry program, then the exit program where the probe has one */
  programs: readonly string[];
  /** tracepoint variants: [category, event] per program */
  tracepoints?: ReadonlyArray<readonly [string, string]>;
  /** each program's mechanism where it is not the family's entry-then-exit (an exit-only fexit) */
  mechanisms?: readonly Mechanism[];
  /** the child scan the walk entry runs: with bpf_loop (5.17+), or a bounded loop before it */
  childScan?: 'bpf_loop' | 'bounded';
  /** watch probes: entry only, as the walk reads the current syscall from pt_regs (bpf_loop's kernels, 5.17+) */
  entryOnly?: true;
}

export interface ProbeSpec {
  id: string;
  /** status names: entry, and exit where the two are reported apart */
  status: readonly ProbeName[];
  /** the kernel function probed by fentry and kprobe variants; undefined: none on this kernel */
  target(symbols: KernelSymbols, walkFunction: WalkFunction | undefined): string | undefined;
  variants: readonly Variant[];
  /** off unless this option is set */
  optIn?: 'parentCalls' | 'creators';
  /** what runs differently when the probe attached to `target` (a fallback function) */
  note?(target: string | undefined): string | undefined;
  /** the syscall whose function the probe brackets */
  syscall?: WatchSyscall;
  /** every run is a count: no fentry where the kernel can preempt a running program (it skips runs meanwhile) */
  countsEveryRun?: boolean;
}

/**
 * A creators/churn probe (issue 16) on the first of `fns` the kernel has; off with --creators=off.
 * `exit`: it counts on return, which fexit does alone (it sees the arguments) and kprobes as a pair.
 */
function rootCauseProbe(id: ProbeName, fns: readonly RootCauseFunction[], exit: boolean, fallbackNote?: string): ProbeSpec {
  return {
    id,
    status: [id],
    optIn: 'creators',
    countsEveryRun: true,
    target: (symbols) => fns.find((f) => symbols.has(f)),
    note: (target) => (fallbackNote && target && target !== fns[0] ? `on ${target}: ${fallbackNote}` : undefined),
    variants: exit
      ? [{ family: 'fentry', programs: [`${id}_fexit`], mechanisms: ['fexit'] }, pair('kprobe', `${id}_kprobe`, `${id}_kretprobe`)]
      : [
          { family: 'fentry', programs: [`${id}_fentry`] },
          { family: 'kprobe', programs: [`${id}_kprobe`] },
        ],
  };
}

const pair = (family: Family, entry: string, exit: string): Variant => ({ family, programs: [entry, exit] });

function watchProbe(id: ProbeName, syscall: WatchSyscall): ProbeSpec {
  return {
    id,
    status: [id],
    syscall,
    target: (symbols) => syscallFunction(symbols, syscall),
    variants: [
      // 5.17+: the walk reads the syscall number from pt_regs, so no exit probe and no per-thread map
      { family: 'fentry', programs: [`${id}_fentry`], entryOnly: true },
      { family: 'kprobe', programs: [`${id}_kprobe`], entryOnly: true },
      pair('fentry', `${id}_fentry`, `${id}_fexit`),
      pair('kprobe', `${id}_kprobe`, `${id}_kretprobe`),
      // last resort: enabling any syscall tracepoint sends every syscall on the host through the slow path
      {
        family: 'tracepoint',
        programs: [`${id}_tp_enter`, `${id}_tp_exit`],
        tracepoints: [
          ['syscalls', `sys_enter_${syscall}`],
          ['syscalls', `sys_exit_${syscall}`],
        ],
      },
    ],
  };
}

export const PROBES: readonly ProbeSpec[] = [
  {
    id: 'walk',
    status: ['walk_entry', 'walk_exit'],
    target: (_symbols, walkFunction) => walkFunction,
    variants: [
      { family: 'fentry', programs: ['walk_entry_fentry', 'walk_exit_fexit'], childScan: 'bpf_loop' },
      { family: 'fentry', programs: ['walk_entry_fentry_bounded', 'walk_exit_fexit'], childScan: 'bounded' },
      { family: 'kprobe', programs: ['walk_entry_kprobe', 'walk_exit_kretprobe'], childScan: 'bpf_loop' },
      { family: 'kprobe', programs: ['walk_entry_kprobe_bounded', 'walk_exit_kretprobe'], childScan: 'bounded' },
    ],
  },
  {
    id: 'parent_calls',
    status: ['parent_entry'],
    optIn: 'parentCalls',
    target: (symbols) => (symbols.has(PARENT_FUNCTION) ? PARENT_FUNCTION : undefined),
    variants: [
      { family: 'fentry', programs: ['parent_entry_fentry'] },
      { family: 'kprobe', programs: ['parent_entry_kprobe'] },
    ],
  },
  {
    id: 'lock_wait',
    status: ['lock_wait_entry', 'lock_wait_exit'],
    target: (symbols) => SLOWPATH_FUNCTIONS.find((f) => symbols.has(f)),
    variants: [
      pair('fentry', 'lock_wait_entry_fentry', 'lock_wait_exit_fexit'),
      pair('kprobe', 'lock_wait_entry_kprobe', 'lock_wait_exit_kretprobe'),
      // 5.19+: misses pending-bit waiters and, under a hypervisor, virt_spin_lock() waiters
      {
        family: 'tracepoint',
        programs: ['lock_wait_entry_tp', 'lock_wait_exit_tp'],
        tracepoints: [
          ['lock', 'contention_begin'],
          ['lock', 'contention_end'],
        ],
      },
    ],
  },
  watchProbe('watch_inotify_add', 'inotify_add_watch'),
  watchProbe('watch_inotify_remove', 'inotify_rm_watch'),
  watchProbe('watch_fanotify_mark', 'fanotify_mark'),
  // who leaves dentries in a directory: lookup misses (d_splice_alias, d_add with no inode), creates, unlinks
  rootCauseProbe('creators_lookup', ['d_splice_alias'], false),
  rootCauseProbe('creators_add', ['d_add'], false),
  // __d_instantiate serves d_instantiate and d_instantiate_new; arm64 5.10 inlines it (then d_instantiate_new's creates are missed)
  rootCauseProbe('creators_instantiate', ['__d_instantiate', 'd_instantiate'], false, '__d_instantiate is inlined, so creates through d_instantiate_new (ext4, xfs, btrfs) are not counted'),
  rootCauseProbe('creators_delete', ['d_delete'], false),
  // who adds and removes the marks on a directory (every API, and closing the group's fd)
  rootCauseProbe('churn_add', ['fsnotify_add_mark_locked'], true),
  rootCauseProbe('churn_remove', ['fsnotify_detach_mark'], false),
];

/** Every program name the table uses, for the name test. */
export const PROGRAM_NAMES: readonly string[] = [...new Set(PROBES.flatMap((p) => p.variants.flatMap((v) => v.programs)))];

/** The watch syscall whose probe includes `program`. */
export function watchSyscallOf(program: string): WatchSyscall | undefined {
  return PROBES.find((p) => p.syscall && p.variants.some((v) => v.programs.includes(program)))?.syscall;
}

/** The status mechanism of a variant's entry (0) or exit (1) program. */
export function mechanismOf(v: Variant, side: number): Mechanism {
  const family = v.family;
  const own = v.mechanisms?.[side];
  if (own) return own;
  if (family === 'fentry') return side === 0 ? 'fentry' : 'fexit';
  if (family === 'kprobe') return side === 0 ? 'kprobe' : 'kretprobe';
  return 'tracepoint';
}
