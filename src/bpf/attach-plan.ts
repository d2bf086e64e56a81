// Loads the object once and attaches every probe of the table (probes.ts), each failing alone:
// before the load, each probe takes the first of its variants that this kernel can run (fentry
// that loads and attaches, kprobes, the helpers a program calls, the tracepoint); a program the
// verifier still rejects turns off its probe's variant only, with the verifier's reason, and the
// object is loaded again without it. Every attach is recorded, attached or not, with the reason.
import type { Logger } from 'pino';
import { ExitCode, FatalError } from '../errors.js';
import type { KernelSymbols, WalkFunction } from '../kernel/kallsyms.js';
import { kernelHasKprobes, perfEventParanoid, tracepointExists } from '../kernel/tracing.js';
import { CAP, has, ownCapabilities } from '../kernel/capabilities.js';
import { preemptModel } from '../kernel/preempt-model.js';
import { tracefsState } from '../kernel/tracefs.js';
import { SCAN_BOUNDED_MAX, SCAN_BOUNDED_STEP } from './abi.js';
import { attachFailureReason, errnoName, fatalForLoad, fatalLoadError, LibbpfError, loadFailureReason, rejectedProgram } from './errors.js';
import { probeBpfFeatures, type BpfFeatures } from './features.js';
import { detectFentryNeighbours, type FentryNeighbours } from './fentry-neighbours.js';
import { BpfObject } from './object.js';
import { mechanismOf, PROBES, type Mechanism, type ProbeName, type ProbeSpec, type Variant } from './probes.js';

export { watchSyscallOf, type Mechanism, type ProbeName } from './probes.js';
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
  /** what runs differently on this kernel (e.g. the bounded child scan) */
  note?: string;
}

export interface AttachResult {
  object: BpfObject;
  probes: ProbeStatus[];
  lockWaitMechanism: LockWaitMechanism;
  walkProbesAttached: boolean;
  /** programs that are attached, for the run-time self-metrics */
  attachedPrograms: string[];
  /** the walk's child scan: bpf_loop, bounded (no bpf_loop), or none */
  childScan: 'bpf_loop' | 'bounded' | 'none';
}

export interface AttachOptions {
  objectPath: string;
  mechanism: 'auto' | 'fentry' | 'kprobe';
  rodata: Record<string, number | bigint>;
  walkFunction: WalkFunction;
  /** attach the __fsnotify_parent() call counter (--parent-calls) */
  parentCalls: boolean;
  /** attach the dentry-creator and watch-churn probes (--creators) */
  creators: boolean;
  symbols: KernelSymbols;
  logger: Logger;
}

/** What the plan needs to know about the kernel; probed live by attachAll, given by tests. */
export interface KernelFacts {
  symbols: KernelSymbols;
  walkFunction: WalkFunction | undefined;
  kprobes: boolean;
  /** kernel.perf_event_paranoid, read once: kprobes' permission and their refusal's message */
  perfEventParanoid?: number;
  /** the preemption model when the kernel can preempt a running fentry program (src/kernel/preempt-model.ts) */
  preemptible?: string;
  features: Pick<BpfFeatures, 'bpfLoop' | 'fentry'>;
  /** whether kprobes may be attached (kprobesPermitted); tests leave it out for yes */
  kprobesPermitted?: boolean;
  /** other tools' fentry/fexit on the targets (fentry-neighbours.ts); undefined with --bpf.mechanism=kprobe */
  neighbours?: FentryNeighbours;
  tracepoint(category: string, event: string): boolean;
}

/** One probe's decision: the variant to load, a tracepoint fallback to load beside it, and why others were passed over. */
export interface Choice {
  spec: ProbeSpec;
  target: string | undefined;
  variant?: Variant;
  fallback?: Variant;
  /** why each variant passed over cannot run here */
  passedOver: string[];
  off?: string;
  /** why the chosen fentry variant failed to attach (set by attachChoices; fallBackFromFentry acts on it) */
  attachFailed?: string;
  /** the fentry attach failure this choice moved on from to kprobes, shown as the probe's note */
  fellBack?: string;
  /** the other tools holding fentry/fexit on the target, shown as the probe's note */
  neighbour?: string;
  /** why fentry stays beside them, when it does */
  neighbourKept?: string;
}


/** Why fentry stays on a function another tool's fentry/fexit shares, or undefined when kprobes replace it. */
function fentryKeptBeside(facts: KernelFacts, mechanism: AttachOptions['mechanism']): string | undefined {
  if (mechanism === 'fentry') return 'fentry kept (--bpf.mechanism=fentry)';
  if (!facts.kprobes) return 'fentry kept (the kernel has no kprobes)';
  if (facts.kprobesPermitted === false) return `fentry kept (kprobes refused: perf_event_paranoid=${facts.perfEventParanoid} without CAP_SYS_ADMIN)`;
  return undefined;
}

/** The note for a probe beside another tool's fentry/fexit: kprobes, or why fentry stayed. */
function neighbourSays(target: string, who: string, outcome: 'kprobe' | string): string {
  const lead = `another tool's fentry/fexit on ${target} (${who})`;
  return outcome === 'kprobe' ? `${lead}: kprobes, so its exit programs lose no returns` : `${lead}: ${outcome}, so its exit programs miss the calls in flight at each daemon start and stop`;
}

/** Why `v` cannot run on this kernel, or undefined when it can. */
function unfit(spec: ProbeSpec, v: Variant, target: string | undefined, facts: KernelFacts, mechanism: AttachOptions['mechanism']): string | undefined {
  if (v.family !== 'tracepoint' && mechanism !== 'auto' && v.family !== mechanism) return `${v.family}: --bpf.mechanism=${mechanism}`;
  if (v.family === 'fentry' && spec.countsEveryRun && facts.preemptible && facts.kprobes && mechanism === 'auto')
    return `fentry: preempt=${facts.preemptible} can preempt the program mid-run, and the kernel then skips its runs on that CPU (uncounted); kprobes run with preemption off`;
  if (v.childScan === 'bpf_loop' && !facts.features.bpfLoop) return `${v.family} with bpf_loop: the kernel has no bpf_loop helper (5.17+)`;
  if (v.entryOnly && !facts.features.bpfLoop) return `${v.family} without an exit probe: the walk reads the syscall from pt_regs with bpf_loop's kernels only (5.17+)`;
  if (v.family === 'tracepoint') {
    const missing = (v.tracepoints ?? []).find(([c, e]) => !facts.tracepoint(c, e));
    return missing ? `tracepoint ${missing[0]}:${missing[1]} does not exist on this kernel` : undefined;
  }
  if (!target) return `${v.family}: no target function in /proc/kallsyms`;
  const neighbour = v.family === 'fentry' && facts.neighbours?.checked ? facts.neighbours.on(target) : undefined;
  if (neighbour && !fentryKeptBeside(facts, mechanism)) return `fentry: ${neighbourSays(target, neighbour, 'kprobe')}`;
  if (v.family === 'fentry') {
    const r = facts.features.fentry(target);
    return r.ok ? undefined : `fentry: ${r.reason}`;
  }
  return facts.kprobes ? undefined : 'kprobe: the kernel has no kprobes (CONFIG_KPROBES is off)';
}

/** The variants each probe loads, decided before anything is loaded. */
export function planProbes(facts: KernelFacts, o: { mechanism: AttachOptions['mechanism']; parentCalls: boolean; creators?: boolean }, specs: readonly ProbeSpec[] = PROBES): Choice[] {
  return specs.map((spec) => {
    const target = spec.target(facts.symbols, facts.walkFunction);
    const neighbour = target && facts.neighbours?.checked ? facts.neighbours.on(target) : undefined;
    const kept = neighbour ? fentryKeptBeside(facts, o.mechanism) : undefined;
    const choice: Choice = { spec, target, passedOver: [], ...(neighbour ? { neighbour } : {}), ...(kept ? { neighbourKept: kept } : {}) };
    if (spec.optIn === 'parentCalls' && !o.parentCalls) return { ...choice, off: 'off (--parent-calls counts every call)' };
    if (spec.optIn === 'creators' && o.creators === false) return { ...choice, off: 'off (--creators=off)' };
    for (const v of spec.variants) {
      // the bounded scan is only for kernels without bpf_loop
      if (v.childScan === 'bounded' && facts.features.bpfLoop) continue;
      const why = unfit(spec, v, target, facts, o.mechanism);
      if (why) {
        if (!choice.passedOver.includes(why)) choice.passedOver.push(why);
      } else if (!choice.variant) choice.variant = v;
      else if (v.family === 'tracepoint' && !choice.fallback) choice.fallback = v;
    }
    return choice;
  });
}

/** Drops the variant holding `program` from its choice, moving on to the next that fits. */
function dropRejected(choices: Choice[], program: string, reason: string, facts: KernelFacts, mechanism: AttachOptions['mechanism']): boolean {
  for (const c of choices) {
    if (c.fallback?.programs.includes(program)) {
      c.passedOver.push(`${c.fallback.family}: ${reason}`);
      c.fallback = undefined;
      return true;
    }
    if (!c.variant?.programs.includes(program)) continue;
    c.passedOver.push(`${c.variant.family}${c.variant.childScan ? ` (${c.variant.childScan} child scan)` : ''}: ${reason}`);
    const rest = c.spec.variants.slice(c.spec.variants.indexOf(c.variant) + 1);
    // a variant with the same program is rejected the same way
    c.variant = rest.find((v) => !v.programs.includes(program) && (v.childScan !== 'bounded' || !facts.features.bpfLoop) && !unfit(c.spec, v, c.target, facts, mechanism));
    if (c.fallback === c.variant) c.fallback = undefined;
    return true;
  }
  return false;
}

const loaded = (c: Choice): Variant[] => [c.variant, c.fallback].filter((v): v is Variant => v !== undefined);

/** Opens the object and loads the chosen programs; undefined when the verifier rejected one (dropped from `choices`). */
function loadOnce(opts: AttachOptions, choices: Choice[], facts: KernelFacts): BpfObject | undefined {
  const obj = BpfObject.open(opts.objectPath, { logger: opts.logger });
  try {
    const wanted = new Set(choices.flatMap((c) => loaded(c).flatMap((v) => v.programs)));
    for (const p of obj.programs()) obj.setAutoload(p.name, wanted.has(p.name));
    for (const c of choices)
      for (const v of loaded(c)) if (v.family === 'fentry' && c.target) for (const p of v.programs) obj.setAttachTarget(p, c.target);
    obj.setRodata(opts.rodata);
    obj.load();
    return obj;
  } catch (e) {
    obj.close();
    if (!(e instanceof LibbpfError) || e.call !== 'bpf_object__load') throw e;
    const program = rejectedProgram(e.log);
    const reason = loadFailureReason(e);
    if (!program || !dropRejected(choices, program, reason, facts, opts.mechanism)) throw e;
    opts.logger.warn({ program, reason }, `the kernel rejected program ${program}: ${reason}; loading again without it`);
    return undefined;
  }
}

function loadChosen(opts: AttachOptions, choices: Choice[], facts: KernelFacts): BpfObject {
  // each retry drops one variant, so the number of programs bounds the attempts
  const attempts = choices.reduce((n, c) => n + c.spec.variants.length, 1);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const obj = loadOnce(opts, choices, facts);
      if (obj) return obj;
    } catch (e) {
      last = e;
      break;
    }
  }
  if (last instanceof LibbpfError) throw fatalForLoad(last, opts.objectPath) ?? fatalLoadError(last, opts.objectPath);
  throw last ?? new Error('the object could not be loaded');
}

/**
 * Attaches one variant's programs; on any failure detaches the ones that did attach (half a pair
 * skews the counts). The exit side first: a call that starts between the two attaches then has
 * an exit and no entry (ignored), never an entry whose exit never comes (a walk left "in flight").
 */
function attachVariant(obj: BpfObject, v: Variant, target: string | undefined): { ok: true } | { ok: false; error: unknown; side: number } {
  for (let side = v.programs.length - 1; side >= 0; side--) {
    const program = v.programs[side] as string;
    try {
      if (v.family === 'fentry') obj.attachTrace(program);
      else if (v.family === 'kprobe') obj.attachKprobe(program, target as string, { retprobe: side === 1 });
      else {
        const [category, event] = v.tracepoints?.[side] as readonly [string, string];
        obj.attachTracepoint(program, category, event);
      }
    } catch (error) {
      obj.detach(v.programs);
      return { ok: false, error, side };
    }
  }
  return { ok: true };
}

const targetOf = (v: Variant, target: string | undefined, side: number): string =>
  v.family === 'tracepoint' ? (v.tracepoints?.[side] ?? []).join(':') : (target ?? '');

/** Children a scan counts exactly: the cap, or with the bounded scan the cap rounded up to its step, at most SCAN_BOUNDED_MAX. */
export function childrenScanLimit(scan: AttachResult['childScan'], cap: number): number {
  if (scan === 'none') return 0;
  return scan === 'bounded' ? Math.min(SCAN_BOUNDED_MAX, Math.ceil(cap / SCAN_BOUNDED_STEP) * SCAN_BOUNDED_STEP) : cap;
}

/** The variant a probe that could not run at all is reported under: the last one it would have tried. */
function lastConsidered(spec: ProbeSpec, mechanism: AttachOptions['mechanism']): Variant | undefined {
  return spec.variants.filter((v) => v.family === 'tracepoint' || mechanism === 'auto' || v.family === mechanism).pop();
}

/** What another tool's fentry/fexit on the target meant for the variant that attached. */
function neighbourNote(attached: Variant, c: Choice): string | undefined {
  if (!c.neighbour || !c.target || attached.family === 'tracepoint') return undefined;
  return neighbourSays(c.target, c.neighbour, attached.family === 'kprobe' ? 'kprobe' : (c.neighbourKept ?? 'fentry kept'));
}

export function attachChoices(obj: BpfObject, choices: Choice[], facts: KernelFacts, o: { mechanism: AttachOptions['mechanism'] }): Omit<AttachResult, 'object'> {
  const probes: ProbeStatus[] = [];
  const attachedPrograms: string[] = [];
  const paranoid = facts.perfEventParanoid;
  let lockWaitMechanism: LockWaitMechanism = 'none';
  let childScan: AttachResult['childScan'] = 'none';
  const status = (c: Choice, v: Variant | undefined, fields: Omit<ProbeStatus, 'probe' | 'mechanism' | 'target'>) =>
    c.spec.status.forEach((probe, side) =>
      probes.push({
        probe,
        mechanism: v ? mechanismOf(v, side) : 'none',
        target: v ? targetOf(v, c.target, side) : (c.target ?? ''),
        ...fields,
      }),
    );
  for (const c of choices) {
    if (c.off) {
      status(c, c.spec.variants[0], { attached: false, off: true, error: c.off });
      continue;
    }
    let error = c.passedOver.join('; ') || 'no variant of this probe can run here';
    let attached: Variant | undefined;
    let tried: Variant | undefined;
    for (const v of loaded(c)) {
      tried = v;
      const r = attachVariant(obj, v, c.target);
      if (r.ok) {
        attached = v;
        break;
      }
      error = attachFailureReason(r.error, {
        kprobes: facts.kprobes,
        symbolPresent: () => (c.target ? facts.symbols.has(c.target) : false),
        perfEventParanoid: paranoid,
        tracefs: tracefsState,
      });
      // kprobes beat the tracepoint fallback (which slows every syscall): fallBackFromFentry reloads for them
      if (v.family === 'fentry') c.attachFailed = error;
    }
    if (!attached) {
      status(c, tried ?? lastConsidered(c.spec, o.mechanism), { attached: false, error });
      continue;
    }
    attachedPrograms.push(...attached.programs);
    const notes = [
      attached.childScan === 'bounded' ? `bounded child scan (no bpf_loop): children counted exactly up to ${SCAN_BOUNDED_MAX}` : c.spec.note?.(c.target),
      c.fellBack && `fentry refused at attach (${c.fellBack}): kprobes instead`,
      neighbourNote(attached, c),
    ].filter(Boolean);
    const note = notes.join('; ');
    status(c, attached, { attached: true, ...(note ? { note } : {}) });
    if (c.spec.id === 'lock_wait') lockWaitMechanism = attached.family === 'tracepoint' ? 'contention_tracepoint' : 'qspinlock_slowpath';
    if (c.spec.id === 'walk') childScan = attached.childScan ?? 'none';
  }
  const walk = probes.filter((p) => p.probe === 'walk_entry' || p.probe === 'walk_exit');
  return { probes, lockWaitMechanism, walkProbesAttached: walk.length === 2 && walk.every((p) => p.attached), attachedPrograms, childScan };
}

/**
 * Moves each choice whose fentry variant loaded but failed to attach to its next variant that fits
 * (kprobes), keeping the attach error as the reason; true if any moved, and the object must be
 * loaded again with them. The feature check only loads a fentry program (an attach would rebuild
 * the function's trampoline twice at every start), so an attach-time refusal is decided here.
 */
export function fallBackFromFentry(choices: Choice[], facts: KernelFacts, mechanism: AttachOptions['mechanism']): boolean {
  let moved = false;
  for (const c of choices) {
    const failed = c.attachFailed;
    c.attachFailed = undefined;
    if (failed === undefined || c.variant?.family !== 'fentry') continue;
    const rest = c.spec.variants.slice(c.spec.variants.indexOf(c.variant) + 1);
    const next = rest.find((v) => v.family === 'kprobe' && (v.childScan !== 'bounded' || !facts.features.bpfLoop) && !unfit(c.spec, v, c.target, facts, mechanism));
    if (!next) continue;
    c.passedOver.push(`fentry: attach failed: ${failed}`);
    c.variant = next;
    c.fellBack = failed;
    moved = true;
  }
  return moved;
}

/** The preemption model's name when fentry programs can be preempted here, else undefined. */
function preemptibleModel(): string | undefined {
  const p = preemptModel();
  return p.preemptible ? p.model : undefined;
}

/** Debian's perf_event_paranoid=3 refuses kprobes (perf_event_open) without CAP_SYS_ADMIN: fentry, its skipped runs counted, beats no probe. */
const kprobesPermitted = (paranoid: number | undefined): boolean => (paranoid ?? 0) < 3 || has(ownCapabilities().effective, CAP.SYS_ADMIN);

export function attachAll(opts: AttachOptions, features: BpfFeatures = probeBpfFeatures(errnoName)): AttachResult {
  try {
    if (!features.ringBuffer)
      throw new FatalError(ExitCode.KERNEL, 'the kernel has no BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8+)', 'run Linux 5.8 or newer with CONFIG_BPF_SYSCALL=y');
    const paranoid = perfEventParanoid();
    const permitted = kprobesPermitted(paranoid);
    const facts: KernelFacts = {
      symbols: opts.symbols,
      walkFunction: opts.walkFunction,
      kprobes: kernelHasKprobes(),
      perfEventParanoid: paranoid,
      preemptible: permitted ? preemptibleModel() : undefined,
      kprobesPermitted: permitted,
      neighbours: opts.mechanism === 'kprobe' ? undefined : detectFentryNeighbours((f) => features.btfId(f), opts.logger),
      features,
      tracepoint: tracepointExists,
    };
    const choices = planProbes(facts, opts);
    features.release();
    for (const c of choices)
      opts.logger.debug({ probe: c.spec.id, variant: c.variant?.programs, fallback: c.fallback?.programs, passed_over: c.passedOver }, `probe plan: ${c.spec.id}`);
    // with bpf_loop (5.17+, so bpf_task_pt_regs) the walk reads the syscall from the task's registers
    const loadOpts = { ...opts, rodata: { ...opts.rodata, watch_syscalls_map_on: features.bpfLoop ? 0 : 1 } };
    let object = loadChosen(loadOpts, choices, facts);
    try {
      let result = attachChoices(object, choices, facts, opts);
      if (fallBackFromFentry(choices, facts, opts.mechanism)) {
        opts.logger.warn({ probes: choices.filter((c) => c.fellBack).map((c) => c.spec.id) }, 'fentry refused at attach: loading again with kprobes for those probes');
        object.close();
        object = loadChosen(loadOpts, choices, facts);
        result = attachChoices(object, choices, facts, opts);
      }
      return { object, ...result };
    } catch (e) {
      object.close();
      throw e;
    }
  } finally {
    features.release();
  }
}
