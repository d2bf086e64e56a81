// Decides how each probe attaches on the running kernel, by trying rather than by version:
// fentry/fexit first (cheapest, and it sees the lock argument at exit), kprobe/kretprobe when the
// kernel refuses tracing programs at load or at attach (arm64 before 6.4), the lock:contention_*
// tracepoints when the spinlock slow path cannot be probed at all. Every attach is recorded,
// attached or not, with the reason.
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KernelSymbols, WalkFunction } from '../kernel/kallsyms.js';
import { PARENT_FUNCTION, SLOWPATH_FUNCTIONS, syscallFunction, type WatchSyscall } from '../kernel/kallsyms.js';
import { tracefsState } from '../kernel/tracefs.js';
import { attachFailureReason, fatalForLoad, fatalLoadError, LibbpfError } from './errors.js';
import { BpfObject } from './object.js';

export type Mechanism = 'fentry' | 'fexit' | 'kprobe' | 'kretprobe' | 'tracepoint' | 'none';
export type ProbeName =
  | 'walk_entry'
  | 'walk_exit'
  | 'parent_entry'
  | 'lock_wait_entry'
  | 'lock_wait_exit'
  | 'watch_inotify_add'
  | 'watch_inotify_remove'
  | 'watch_fanotify_mark';
export type LockWaitMechanism = 'qspinlock_slowpath' | 'contention_tracepoint' | 'none';

export interface ProbeStatus {
  probe: ProbeName;
  mechanism: Mechanism;
  attached: boolean;
  target: string;
  /** why it is not attached */
  error?: string;
  /** not attached because the options leave it off, not because it failed */
  off?: boolean;
}

export interface AttachResult {
  object: BpfObject;
  probes: ProbeStatus[];
  lockWaitMechanism: LockWaitMechanism;
  walkProbesAttached: boolean;
  /** programs that are attached, for the run-time self-metrics */
  attachedPrograms: string[];
}

export interface AttachOptions {
  objectPath: string;
  mechanism: 'auto' | 'fentry' | 'kprobe';
  rodata: Record<string, number | bigint>;
  walkFunction: WalkFunction;
  /** attach the __fsnotify_parent() call counter (--parent-calls) */
  parentCalls: boolean;
  symbols: KernelSymbols;
  logger: Logger;
}

type Family = 'fentry' | 'kprobe';

/** Per group of probes, the family of programs loaded. */
interface Candidate {
  walk: Family;
  parent: Family;
  lock: Family;
  watch: Family;
}

/**
 * The watch syscalls: on their own functions where the kernel allows, else on their tracepoints,
 * which are the last resort because enabling any syscall tracepoint sends every syscall on the
 * host through the slow path (see fsnotify.bpf.c).
 */
const WATCH: ReadonlyArray<{ probe: ProbeName; syscall: WatchSyscall; fentry: [string, string]; kprobe: [string, string]; tracepoint: Array<[string, string]> }> = [
  {
    probe: 'watch_inotify_add',
    syscall: 'inotify_add_watch',
    fentry: ['watch_inotify_add_fentry', 'watch_inotify_add_fexit'],
    kprobe: ['watch_inotify_add_kprobe', 'watch_inotify_add_kretprobe'],
    tracepoint: [['watch_inotify_add', 'sys_enter_inotify_add_watch'], ['watch_inotify_add_exit', 'sys_exit_inotify_add_watch']],
  },
  {
    probe: 'watch_inotify_remove',
    syscall: 'inotify_rm_watch',
    fentry: ['watch_inotify_remove_fentry', 'watch_inotify_remove_fexit'],
    kprobe: ['watch_inotify_remove_kprobe', 'watch_inotify_remove_kretprobe'],
    tracepoint: [['watch_inotify_remove', 'sys_enter_inotify_rm_watch'], ['watch_inotify_remove_exit', 'sys_exit_inotify_rm_watch']],
  },
  {
    probe: 'watch_fanotify_mark',
    syscall: 'fanotify_mark',
    fentry: ['watch_fanotify_mark_fentry', 'watch_fanotify_mark_fexit'],
    kprobe: ['watch_fanotify_mark_kprobe', 'watch_fanotify_mark_kretprobe'],
    tracepoint: [['watch_fanotify_mark', 'sys_enter_fanotify_mark'], ['watch_fanotify_mark_exit', 'sys_exit_fanotify_mark']],
  },
];

/** The watch syscall whose probes include `program` (the attach target of its fentry/fexit). */
export function watchSyscallOf(program: string): WatchSyscall | undefined {
  return WATCH.find((w) => w.fentry.includes(program) || w.kprobe.includes(program))?.syscall;
}

const PROGRAMS = {
  walk: { fentry: ['walk_entry_fentry', 'walk_exit_fexit'], kprobe: ['walk_entry_kprobe', 'walk_exit_kretprobe'] },
  parent: { fentry: ['parent_entry_fentry'], kprobe: ['parent_entry_kprobe'] },
  lock: { fentry: ['lock_wait_entry_fentry', 'lock_wait_exit_fexit'], kprobe: ['lock_wait_entry_kprobe', 'lock_wait_exit_kretprobe'] },
  watch: { fentry: WATCH.flatMap((w) => w.fentry), kprobe: WATCH.flatMap((w) => w.kprobe) },
} as const;

function candidates(mechanism: AttachOptions['mechanism']): Candidate[] {
  const fentry: Candidate[] = [
    { walk: 'fentry', parent: 'fentry', lock: 'fentry', watch: 'fentry' },
    // the slow path may refuse a trampoline where the walk takes one
    { walk: 'fentry', parent: 'fentry', lock: 'kprobe', watch: 'fentry' },
  ];
  const kprobe: Candidate[] = [{ walk: 'kprobe', parent: 'kprobe', lock: 'kprobe', watch: 'kprobe' }];
  if (mechanism === 'fentry') return fentry;
  if (mechanism === 'kprobe') return kprobe;
  return [...fentry, ...kprobe];
}

/** libbpf attaches kprobes through the perf "kprobe" PMU, or legacy kprobe_events in tracefs. */
export function kernelHasKprobes(): boolean {
  return (
    existsSync('/sys/bus/event_source/devices/kprobe/type') ||
    existsSync('/sys/kernel/tracing/kprobe_events') ||
    existsSync('/sys/kernel/debug/tracing/kprobe_events')
  );
}

function slowpathFunction(symbols: KernelSymbols): string | undefined {
  return SLOWPATH_FUNCTIONS.find((f) => symbols.has(f));
}

/** Opens and loads the object with the programs of one candidate; throws what libbpf said. */
function loadCandidate(opts: AttachOptions, c: Candidate, slowpath: string | undefined): BpfObject {
  const obj = BpfObject.open(opts.objectPath, { logger: opts.logger });
  try {
    // the watch syscalls this kernel has, with their functions
    const watched = WATCH.flatMap((w) => {
      const fn = syscallFunction(opts.symbols, w.syscall);
      return fn ? [{ ...w, fn }] : [];
    });
    const enabled = new Set<string>([
      ...PROGRAMS.walk[c.walk],
      ...(opts.parentCalls ? PROGRAMS.parent[c.parent] : []),
      ...(slowpath ? PROGRAMS.lock[c.lock] : []),
      ...watched.flatMap((w) => w[c.watch]),
    ]);
    for (const p of obj.programs()) {
      const family = Object.values(PROGRAMS).some((g) => [...g.fentry, ...g.kprobe].includes(p.name as never));
      if (family) obj.setAutoload(p.name, enabled.has(p.name));
    }
    if (c.walk === 'fentry') for (const p of PROGRAMS.walk.fentry) obj.setAttachTarget(p, opts.walkFunction);
    if (c.parent === 'fentry' && opts.parentCalls) obj.setAttachTarget('parent_entry_fentry', PARENT_FUNCTION);
    if (c.lock === 'fentry' && slowpath) for (const p of PROGRAMS.lock.fentry) obj.setAttachTarget(p, slowpath);
    if (c.watch === 'fentry') for (const w of watched) for (const p of w.fentry) obj.setAttachTarget(p, w.fn);
    obj.setRodata(opts.rodata);
    obj.load();
    return obj;
  } catch (e) {
    obj.close();
    throw e;
  }
}

const GROUPS = ['walk', 'parent', 'lock', 'watch'] as const;
type Group = (typeof GROUPS)[number];
const sameCandidate = (a: Candidate, b: Candidate) => GROUPS.every((g) => a[g] === b[g]);

export function attachAll(opts: AttachOptions): AttachResult {
  const slowpath = slowpathFunction(opts.symbols);
  const queue = candidates(opts.mechanism);
  const tried: Candidate[] = [];
  let lastError: unknown;
  for (let c = queue.shift(); c; c = queue.shift()) {
    if (tried.some((t) => sameCandidate(t, c as Candidate))) continue;
    tried.push(c);
    let obj: BpfObject;
    try {
      obj = loadCandidate(opts, c, slowpath);
    } catch (e) {
      if (!(e instanceof LibbpfError)) throw e;
      // a missing or corrupt object, or no privileges, does not get better with another mechanism
      const fatal = fatalForLoad(e, opts.objectPath);
      if (fatal) throw fatal;
      opts.logger.debug({ candidate: c, err: e.message, log: e.log.slice(-5) }, 'load refused, trying the next mechanism');
      lastError = e;
      continue;
    }
    const result = attachCandidate(opts, obj, c, slowpath);
    // Some kernels load tracing programs but cannot attach them: arm64 before 6.4 has BPF
    // trampolines but no ftrace direct calls, so fentry on any traceable function fails with
    // ENOTSUPP. Then the groups whose fentry attach failed are tried again as kprobes.
    const refused = opts.mechanism === 'auto' ? GROUPS.filter((g) => c[g] === 'fentry' && result.fentryRefused.has(g)) : [];
    if (refused.length === 0) return result.attach;
    const next: Candidate = { ...c };
    for (const g of refused) next[g] = 'kprobe';
    opts.logger.info(
      { groups: refused, errors: result.attach.probes.filter((p) => !p.attached && (p.mechanism === 'fentry' || p.mechanism === 'fexit')).map((p) => `${p.probe}: ${p.error}`) },
      `fentry attach refused for ${refused.join(', ')}: trying kprobes`,
    );
    obj.close();
    queue.unshift(next);
  }
  throw fatalLoadError(lastError as LibbpfError, opts.objectPath);
}

function attachCandidate(opts: AttachOptions, obj: BpfObject, c: Candidate, slowpath: string | undefined): { attach: AttachResult; fentryRefused: Set<Group> } {
  const fentryRefused = new Set<Group>();
  const probes: ProbeStatus[] = [];
  const attachedPrograms: string[] = [];
  const hasKprobes = kernelHasKprobes();
  const perfEventParanoid = () => {
    try {
      return Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim());
    } catch {
      return undefined;
    }
  };

  const attach = (probe: ProbeName, program: string, mechanism: Mechanism, target: string, fn: () => void): boolean => {
    try {
      fn();
      probes.push({ probe, mechanism, attached: true, target });
      attachedPrograms.push(program);
      return true;
    } catch (e) {
      const error = attachFailureReason(e, { kprobes: hasKprobes, symbolPresent: () => opts.symbols.has(target), perfEventParanoid: perfEventParanoid(), tracefs: tracefsState }); // symbols: kprobe targets only
      probes.push({ probe, mechanism, attached: false, target, error });
      return false;
    }
  };
  const attachFunction = (group: Group, probe: ProbeName, program: string, family: Family, exit: boolean, target: string): boolean => {
    if (family === 'fentry') {
      const ok = attach(probe, program, exit ? 'fexit' : 'fentry', target, () => obj.attachTrace(program));
      if (!ok) fentryRefused.add(group);
      return ok;
    }
    return attach(probe, program, exit ? 'kretprobe' : 'kprobe', target, () => obj.attachKprobe(program, target, { retprobe: exit }));
  };

  const [walkEntry, walkExit] = PROGRAMS.walk[c.walk];
  const walkIn = attachFunction('walk', 'walk_entry', walkEntry, c.walk, false, opts.walkFunction);
  const walkOut = attachFunction('walk', 'walk_exit', walkExit, c.walk, true, opts.walkFunction);
  // an entry without its exit would leave walks "in flight" forever and raise false near-lockup alarms
  if (walkIn !== walkOut) obj.detach([walkEntry, walkExit]);
  // every file event under a watched directory passes __fsnotify_parent(): a probe there is paid
  // on the hot path, so it is opt-in; herd walks are told apart by their caller without it
  if (opts.parentCalls) attachFunction('parent', 'parent_entry', PROGRAMS.parent[c.parent][0], c.parent, false, PARENT_FUNCTION);
  else probes.push({ probe: 'parent_entry', mechanism: c.parent, attached: false, target: PARENT_FUNCTION, off: true, error: 'off (--parent-calls counts every call)' });

  let lockWaitMechanism: LockWaitMechanism = 'none';
  if (slowpath) {
    const [lockEntry, lockExit] = PROGRAMS.lock[c.lock];
    const inOk = attachFunction('lock', 'lock_wait_entry', lockEntry, c.lock, false, slowpath);
    const outOk = inOk && attachFunction('lock', 'lock_wait_exit', lockExit, c.lock, true, slowpath);
    if (inOk && outOk) lockWaitMechanism = 'qspinlock_slowpath';
    else obj.detach([lockEntry, lockExit]); // half a pair would skew the nesting stack
  }
  if (lockWaitMechanism === 'none') {
    const a = attach('lock_wait_entry', 'lock_contention_begin', 'tracepoint', 'lock:contention_begin', () =>
      obj.attachTracepoint('lock_contention_begin', 'lock', 'contention_begin'),
    );
    const b = a && attach('lock_wait_exit', 'lock_contention_end', 'tracepoint', 'lock:contention_end', () =>
      obj.attachTracepoint('lock_contention_end', 'lock', 'contention_end'),
    );
    if (a && b) lockWaitMechanism = 'contention_tracepoint';
    else obj.detach(['lock_contention_begin', 'lock_contention_end']);
  }
  for (const w of WATCH) {
    const fn = syscallFunction(opts.symbols, w.syscall);
    if (fn) {
      const [entry, exit] = w[c.watch];
      const ok = attachFunction('watch', w.probe, entry, c.watch, false, fn) && attachFunction('watch', w.probe, exit, c.watch, true, fn);
      if (ok) continue;
      obj.detach([entry, exit]);
      // refused fentry under auto: the object is loaded again with kprobes for this group
      if (c.watch === 'fentry' && opts.mechanism === 'auto') continue;
    }
    let ok = true;
    for (const [program, event] of w.tracepoint) ok = ok && attach(w.probe, program, 'tracepoint', `syscalls:${event}`, () => obj.attachTracepoint(program, 'syscalls', event));
    if (!ok) obj.detach(w.tracepoint.map(([p]) => p));
  }
  // keep one status per probe: the last attempt (a fallback replaces the failed slow-path try)
  const byProbe = new Map<ProbeName, ProbeStatus>();
  for (const p of probes) if (!byProbe.get(p.probe)?.attached) byProbe.set(p.probe, p);
  return {
    attach: {
      object: obj,
      probes: [...byProbe.values()],
      lockWaitMechanism,
      walkProbesAttached: walkIn && walkOut,
      attachedPrograms: attachedPrograms.filter((p) => obj.isAttached(p)),
    },
    fentryRefused,
  };
}
