// The probe plan from kernel facts the test controls: which variant each probe loads, what it
// says about the others, and the one-line refusal of a kernel without a BPF ring buffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { attachAll, planProbes, type KernelFacts } from '../../src/bpf/attach-plan.js';
import { FatalError, ExitCode } from '../../src/errors.js';
import { PROBES, PROGRAM_NAMES } from '../../src/bpf/probes.js';
import { ROOT_CAUSE_FUNCTIONS } from '../../src/kernel/kallsyms.js';

const symbols = (names: string[]) => ({ has: (n: string) => names.includes(n), range: () => undefined, addressesVisible: false });
const ALL = ['fsnotify_set_children_dentry_flags', '__fsnotify_parent', 'native_queued_spin_lock_slowpath', '__x64_sys_inotify_add_watch', '__x64_sys_inotify_rm_watch', '__x64_sys_fanotify_mark', ...ROOT_CAUSE_FUNCTIONS];

function facts(o: Partial<KernelFacts> & { bpfLoop?: boolean; fentry?: boolean } = {}): KernelFacts {
  return {
    symbols: symbols(ALL),
    walkFunction: 'fsnotify_set_children_dentry_flags',
    kprobes: true,
    features: { bpfLoop: o.bpfLoop ?? true, fentry: (f) => (o.fentry ?? true ? { ok: true } : { ok: false, reason: `the kernel refuses fentry on ${f} (EPERM)` }) },
    tracepoint: () => true,
    ...o,
  };
}
const chosen = (f: KernelFacts, mechanism: 'auto' | 'fentry' | 'kprobe' = 'auto') =>
  Object.fromEntries(planProbes(f, { mechanism, parentCalls: true }).map((c) => [c.spec.id, c.variant?.programs[0] ?? `none: ${c.passedOver.join('; ')}`]));

test('fentry everywhere it attaches, with bpf_loop', () => {
  assert.deepEqual(chosen(facts()), {
    walk: 'walk_entry_fentry',
    parent_calls: 'parent_entry_fentry',
    lock_wait: 'lock_wait_entry_fentry',
    watch_inotify_add: 'watch_inotify_add_fentry',
    watch_inotify_remove: 'watch_inotify_remove_fentry',
    watch_fanotify_mark: 'watch_fanotify_mark_fentry',
    creators_lookup: 'creators_lookup_fentry',
    creators_add: 'creators_add_fentry',
    creators_instantiate: 'creators_instantiate_fentry',
    creators_delete: 'creators_delete_fentry',
    churn_add: 'churn_add_fexit',
    churn_remove: 'churn_remove_fentry',
  });
});

test('--creators=off: the creator and churn probes are off, not failed; a kernel lacking one function loses that probe only', () => {
  const off = planProbes(facts(), { mechanism: 'auto', parentCalls: false, creators: false });
  for (const id of ['creators_lookup', 'creators_add', 'creators_instantiate', 'creators_delete', 'churn_add', 'churn_remove'])
    assert.equal(off.find((c) => c.spec.id === id)?.off, 'off (--creators=off)', id);
  assert.equal(off.find((c) => c.spec.id === 'walk')?.variant?.programs[0], 'walk_entry_fentry');
  const noDelete = planProbes(facts({ symbols: symbols(ALL.filter((n) => n !== 'd_delete')) }), { mechanism: 'kprobe', parentCalls: false, creators: true });
  assert.equal(noDelete.find((c) => c.spec.id === 'creators_delete')?.variant, undefined);
  assert.deepEqual(noDelete.find((c) => c.spec.id === 'creators_delete')?.passedOver, ['fentry: --bpf.mechanism=kprobe', 'kprobe: no target function in /proc/kallsyms']);
  assert.equal(noDelete.find((c) => c.spec.id === 'creators_lookup')?.variant?.programs[0], 'creators_lookup_kprobe');
  // arm64 5.10 inlines __d_instantiate: d_instantiate instead
  const inlined = planProbes(facts({ symbols: symbols(ALL.filter((n) => n !== '__d_instantiate')) }), { mechanism: 'kprobe', parentCalls: false, creators: true });
  const instantiate = inlined.find((c) => c.spec.id === 'creators_instantiate');
  assert.equal(instantiate?.target, 'd_instantiate');
  assert.match(instantiate?.spec.note?.(instantiate.target) ?? '', /d_instantiate_new .* not counted/);
  assert.equal(instantiate?.spec.note?.('__d_instantiate'), undefined);
});

test('a kernel that preempts fentry programs (preempt=lazy): the counting probes take kprobes, the rest stays on fentry', () => {
  const plan = planProbes(facts({ preemptible: 'lazy' }), { mechanism: 'auto', parentCalls: false });
  const of = (id: string) => plan.find((c) => c.spec.id === id);
  for (const id of ['creators_lookup', 'creators_add', 'creators_instantiate', 'creators_delete', 'churn_remove']) assert.equal(of(id)?.variant?.family, 'kprobe', id);
  assert.deepEqual(of('churn_add')?.variant?.programs, ['churn_add_kprobe', 'churn_add_kretprobe']);
  assert.match(of('creators_lookup')?.passedOver[0] ?? '', /^fentry: preempt=lazy /);
  for (const id of ['walk', 'lock_wait', 'watch_inotify_add']) assert.equal(of(id)?.variant?.family, 'fentry', id);
  // no kprobes: fentry, skipped runs and all, is better than nothing; --bpf.mechanism=fentry is obeyed
  assert.equal(planProbes(facts({ preemptible: 'lazy', kprobes: false }), { mechanism: 'auto', parentCalls: false }).find((c) => c.spec.id === 'creators_lookup')?.variant?.family, 'fentry');
  assert.equal(planProbes(facts({ preemptible: 'full' }), { mechanism: 'fentry', parentCalls: false }).find((c) => c.spec.id === 'creators_lookup')?.variant?.family, 'fentry');
});

test('no bpf_loop (5.8-5.16): the bounded child scan, the rest unchanged', () => {
  const c = chosen(facts({ bpfLoop: false }));
  assert.equal(c.walk, 'walk_entry_fentry_bounded');
  assert.equal(c.lock_wait, 'lock_wait_entry_fentry');
  assert.equal(chosen(facts({ bpfLoop: false, fentry: false })).walk, 'walk_entry_kprobe_bounded');
});

test('watch probes: entry only with bpf_loop (the walk reads the syscall from pt_regs), entry and exit without it', () => {
  const programs = (f: KernelFacts, mechanism: 'auto' | 'kprobe' = 'auto') =>
    planProbes(f, { mechanism, parentCalls: false }).find((c) => c.spec.id === 'watch_inotify_add')?.variant?.programs;
  assert.deepEqual(programs(facts()), ['watch_inotify_add_fentry']);
  assert.deepEqual(programs(facts(), 'kprobe'), ['watch_inotify_add_kprobe']);
  assert.deepEqual(programs(facts({ bpfLoop: false })), ['watch_inotify_add_fentry', 'watch_inotify_add_fexit']);
  assert.deepEqual(programs(facts({ bpfLoop: false, fentry: false })), ['watch_inotify_add_kprobe', 'watch_inotify_add_kretprobe']);
});

test('fentry refused, no kprobes (this build host): the walk cannot run and says why; the rest takes tracepoints', () => {
  const plan = planProbes(facts({ fentry: false, kprobes: false }), { mechanism: 'auto', parentCalls: false });
  const walk = plan.find((c) => c.spec.id === 'walk');
  assert.equal(walk?.variant, undefined);
  assert.deepEqual(walk?.passedOver, ['fentry: the kernel refuses fentry on fsnotify_set_children_dentry_flags (EPERM)', 'kprobe: the kernel has no kprobes (CONFIG_KPROBES is off)']);
  assert.equal(plan.find((c) => c.spec.id === 'parent_calls')?.off, 'off (--parent-calls counts every call)');
  for (const id of ['lock_wait', 'watch_inotify_add']) assert.equal(plan.find((c) => c.spec.id === id)?.variant?.family, 'tracepoint', id);
});

test('a tracepoint fallback is loaded beside a function probe, and a missing tracepoint is no fallback', () => {
  const lock = planProbes(facts(), { mechanism: 'kprobe', parentCalls: false }).find((c) => c.spec.id === 'lock_wait');
  assert.equal(lock?.variant?.family, 'kprobe');
  assert.equal(lock?.fallback?.family, 'tracepoint');
  const old = planProbes(facts({ tracepoint: (c) => c !== 'lock' }), { mechanism: 'kprobe', parentCalls: false }).find((c) => c.spec.id === 'lock_wait');
  assert.equal(old?.fallback, undefined);
  assert.deepEqual(old?.passedOver, ['fentry: --bpf.mechanism=kprobe', 'tracepoint lock:contention_begin does not exist on this kernel']);
});

test('a kernel without the function gets no function probe, and says so', () => {
  const c = planProbes(facts({ symbols: symbols(ALL.filter((n) => !n.includes('spin_lock'))), tracepoint: (cat) => cat !== 'lock' }), { mechanism: 'auto', parentCalls: false });
  assert.deepEqual(c.find((x) => x.spec.id === 'lock_wait')?.passedOver, [
    'fentry: no target function in /proc/kallsyms',
    'kprobe: no target function in /proc/kallsyms',
    'tracepoint lock:contention_begin does not exist on this kernel',
  ]);
});

test('no BPF ring buffer (before 5.8): one line naming it, exit 6, before anything is loaded', () => {
  const logger = pino({ level: 'silent' });
  assert.throws(
    () =>
      attachAll(
        { objectPath: '/nonexistent.bpf.o', mechanism: 'auto', rodata: {}, walkFunction: 'fsnotify_set_children_dentry_flags', parentCalls: false, creators: true, symbols: symbols(ALL), logger },
        { bpfLoop: false, ringBuffer: false, fentry: () => ({ ok: true }), btfId: () => undefined, release: () => {} },
      ),
    (e: unknown) => e instanceof FatalError && e.code === ExitCode.KERNEL && /no BPF ring buffer \(BPF_MAP_TYPE_RINGBUF, Linux 5\.8\+\)/.test(e.message),
  );
});

test('every probe has a status name and unique programs', () => {
  assert.equal(PROGRAM_NAMES.length, new Set(PROBES.flatMap((p) => p.variants.flatMap((v) => v.programs))).size);
  for (const p of PROBES) assert.ok(p.status.length >= 1, p.id);
});
