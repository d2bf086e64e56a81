// The order a pair's two programs are attached in. Between the two attaches a call can start:
// with the entry first, that call has an entry and never an exit, and its walk stays "in flight"
// in walks_in_flight (a false near-soft-lockup once it ages); with the exit first, the call has an
// exit without an entry, which every exit program ignores. docs/reliability.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachChoices, planProbes, type KernelFacts } from '../../src/bpf/attach-plan.js';
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
