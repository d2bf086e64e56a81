// The order a pair's two programs are attached in. Between the two attaches a call can start:
// with the entry first, that call has an entry and never an exit, and its walk stays "in flight"
// in walks_in_flight (a false near-soft-lockup once it ages); with the exit first, the call has an
// exit without an entry, which every exit program ignores. docs/reliability.md. And what happens when
// a fentry pair that loaded is refused at attach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachChoices, fallBackFromFentry, planProbes, type KernelFacts } from '../../src/bpf/attach-plan.js';
import { LibbpfError } from '../../src/bpf/errors.js';
import type { BpfObject } from '../../src/bpf/object.js';
import { ROOT_CAUSE_FUNCTIONS } from '../../src/kernel/kallsyms.js';

const ALL = ['fsnotify_set_children_dentry_flags', '__fsnotify_parent', 'native_queued_spin_lock_slowpath', '__x64_sys_inotify_add_watch', '__x64_sys_inotify_rm_watch', '__x64_sys_fanotify_mark', ...ROOT_CAUSE_FUNCTIONS];
const facts: KernelFacts = {
  symbols: { has: (n: string) => ALL.includes(n), range: () => undefined, addressesVisible: false },
  walkFunction: 'fsnotify_set_children_dentry_flags',
  kprobes: true,
  features: { bpfLoop: true, fentry: () => ({ ok: true }) },
  tracepoint: () => true,
};

/** A BpfObject that records the programs in the order they are attached. */
function recordingObject(): { obj: BpfObject; attached: string[] } {
  const attached: string[] = [];
  const obj = {
    attachTrace: (p: string) => attached.push(p),
    attachKprobe: (p: string) => attached.push(p),
    attachTracepoint: (p: string) => attached.push(p),
    detach: () => undefined,
  } as unknown as BpfObject;
  return { obj, attached };
}

for (const mechanism of ['fentry', 'kprobe'] as const) {
  test(`${mechanism}: each pair's exit program is attached before its entry program`, () => {
    const choices = planProbes(facts, { mechanism, parentCalls: true });
    const { obj, attached } = recordingObject();
    attachChoices(obj, choices, facts, { mechanism });
    const pairs = choices.map((c) => c.variant?.programs).filter((p): p is readonly string[] => p?.length === 2);
    assert.ok(pairs.some((p) => p[0]?.startsWith('walk_entry')), 'the walk pair is among them');
    for (const [entry, exit] of pairs) {
      assert.ok(attached.indexOf(exit as string) >= 0 && attached.indexOf(entry as string) >= 0, `${entry} and ${exit} attached`);
      assert.ok(attached.indexOf(exit as string) < attached.indexOf(entry as string), `${exit} before ${entry}: ${attached.join(', ')}`);
    }
  });
}

/** A BpfObject whose fentry attaches fail for the programs in `refuse` (the feature check only loads, so this is where a refusal shows). */
function refusingObject(refuse: (p: string) => boolean): { obj: BpfObject; attached: string[] } {
  const attached: string[] = [];
  const obj = {
    attachTrace: (p: string) => {
      if (refuse(p)) throw new LibbpfError('bpf_program__attach_trace', 16, p);
      attached.push(p);
    },
    attachKprobe: (p: string) => attached.push(p),
    attachTracepoint: (p: string) => attached.push(p),
    detach: (ps: readonly string[]) => ps.forEach((p) => attached.includes(p) && attached.splice(attached.indexOf(p), 1)),
  } as unknown as BpfObject;
  return { obj, attached };
}

test('a fentry pair refused at attach falls back to its kprobe pair on the next load, alone and with the reason shown', () => {
  const choices = planProbes(facts, { mechanism: 'auto', parentCalls: false });
  const walkRefused = (p: string) => p.startsWith('walk_');
  const first = attachChoices(refusingObject(walkRefused).obj, choices, facts, { mechanism: 'auto' });
  assert.deepEqual(first.probes.filter((p) => p.probe.startsWith('walk_')).map((p) => [p.probe, p.attached]), [['walk_entry', false], ['walk_exit', false]]);
  assert.equal(fallBackFromFentry(choices, facts, 'auto'), true);
  const walk = choices.find((c) => c.spec.id === 'walk');
  assert.equal(walk?.variant?.family, 'kprobe');
  assert.deepEqual(walk?.passedOver, ['fentry: attach failed: bpf_program__attach_trace(walk_exit_fexit) failed: EBUSY']);
  for (const c of choices) if (c.spec.id !== 'walk' && c.variant) assert.equal(c.variant.family, 'fentry', `${c.spec.id} stays on fentry`);
  // the object loaded again with the kprobe pair
  const { obj, attached } = refusingObject(walkRefused);
  const second = attachChoices(obj, choices, facts, { mechanism: 'auto' });
  const status = second.probes.find((p) => p.probe === 'walk_entry');
  assert.equal(status?.attached, true);
  assert.equal(status?.mechanism, 'kprobe');
  assert.match(status?.note ?? '', /fentry refused at attach \(bpf_program__attach_trace\(walk_exit_fexit\) failed: EBUSY\): kprobes instead/);
  assert.ok(attached.includes('walk_entry_kprobe') && attached.includes('walk_exit_kretprobe'), attached.join(', '));
  assert.equal(second.walkProbesAttached, true);
  assert.equal(fallBackFromFentry(choices, facts, 'auto'), false, 'nothing left to move: no third load');
});

test('a tracepoint fallback that did attach does not hide a fentry refusal: kprobes are preferred, on the next load', () => {
  const choices = planProbes(facts, { mechanism: 'auto', parentCalls: false });
  const add = choices.find((c) => c.spec.id === 'watch_inotify_add');
  assert.equal(add?.fallback?.family, 'tracepoint');
  attachChoices(refusingObject((p) => p.startsWith('watch_inotify_add')).obj, choices, facts, { mechanism: 'auto' });
  assert.equal(fallBackFromFentry(choices, facts, 'auto'), true);
  assert.equal(add?.variant?.family, 'kprobe');
});

test('--bpf.mechanism=fentry: a refused fentry attach stays failed, with its reason; nothing is loaded again', () => {
  const choices = planProbes(facts, { mechanism: 'fentry', parentCalls: false });
  const r = attachChoices(refusingObject((p) => p.startsWith('walk_')).obj, choices, facts, { mechanism: 'fentry' });
  assert.equal(fallBackFromFentry(choices, facts, 'fentry'), false);
  assert.match(r.probes.find((p) => p.probe === 'walk_entry')?.error ?? '', /EBUSY/);
  assert.equal(r.walkProbesAttached, false);
});
