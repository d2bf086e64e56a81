// Another tool's fentry/fexit on a function the daemon would probe with fentry: each daemon start
// and stop would rebuild that function's trampoline and the tool's fexit programs would miss the
// calls in flight (docs/reliability.md), so the plan takes kprobes there and says why; detection
// results are injected here (the /proc scan itself: test/kernel/tracing-links.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachChoices, planProbes, type KernelFacts } from '../../src/bpf/attach-plan.js';
import { fentryNeighbours } from '../../src/bpf/fentry-neighbours.js';
import type { BpfObject } from '../../src/bpf/object.js';
import type { TracingLinkScan } from '../../src/kernel/tracing-links.js';
import { ROOT_CAUSE_FUNCTIONS } from '../../src/kernel/kallsyms.js';

const WALK = 'fsnotify_set_children_dentry_flags';
const ALL = [WALK, '__fsnotify_parent', 'native_queued_spin_lock_slowpath', '__x64_sys_inotify_add_watch', '__x64_sys_inotify_rm_watch', '__x64_sys_fanotify_mark', ...ROOT_CAUSE_FUNCTIONS];
const BTF_IDS = new Map(ALL.map((f, i) => [f, 1000 + i]));
const WALK_ID = BTF_IDS.get(WALK) as number;

/** bpftrace (pid 1234) with kfunc+kretfunc on the walk function: one fentry link and one fexit link */
const bpftraceOnWalk: TracingLinkScan = {
  ok: true,
  refused: 0,
  links: [
    { pid: 1234, comm: 'bpftrace', linkId: 7, attachType: 24, targetBtfId: WALK_ID, targetObjId: 1 },
    { pid: 1234, comm: 'bpftrace', linkId: 8, attachType: 25, targetBtfId: WALK_ID, targetObjId: 1 },
  ],
};

function facts(scan: TracingLinkScan, o: Partial<KernelFacts> = {}): KernelFacts {
  return {
    symbols: { has: (n: string) => ALL.includes(n), range: () => undefined, addressesVisible: false },
    walkFunction: WALK,
    kprobes: true,
    features: { bpfLoop: true, fentry: () => ({ ok: true }) },
    neighbours: fentryNeighbours(scan, (f) => BTF_IDS.get(f)),
    tracepoint: () => true,
    ...o,
  };
}

const acceptingObject = () => ({ attachTrace: () => 0, attachKprobe: () => 0, attachTracepoint: () => 0, detach: () => undefined }) as unknown as BpfObject;

function walkOutcome(f: KernelFacts, mechanism: 'auto' | 'fentry' = 'auto') {
  const choices = planProbes(f, { mechanism, parentCalls: false });
  const r = attachChoices(acceptingObject(), choices, f, { mechanism });
  const entry = r.probes.find((p) => p.probe === 'walk_entry');
  const others = choices.filter((c) => c.spec.id !== 'walk' && c.variant).map((c) => c.variant?.family);
  return { mechanism: entry?.mechanism, note: entry?.note, others };
}

test('another tool on the walk function: the walk takes kprobes and says whose fentry/fexit, the rest stay fentry', () => {
  const w = walkOutcome(facts(bpftraceOnWalk));
  assert.equal(w.mechanism, 'kprobe');
  assert.equal(w.note, `another tool's fentry/fexit on ${WALK} (pid 1234 bpftrace: fentry, fexit): kprobes, so its exit programs lose no returns`);
  assert.ok(w.others.length > 0 && w.others.every((f) => f === 'fentry'), `others: ${w.others.join(', ')}`);
});

test('no other tool: fentry, no note', () => {
  const w = walkOutcome(facts({ ok: true, refused: 0, links: [] }));
  assert.deepEqual([w.mechanism, w.note], ['fentry', undefined]);
});

test('a tool on another function (another BTF id) leaves the walk on fentry', () => {
  const elsewhere: TracingLinkScan = { ok: true, refused: 0, links: [{ pid: 9, comm: 'x', linkId: 1, attachType: 25, targetBtfId: WALK_ID + 100 }] };
  assert.equal(walkOutcome(facts(elsewhere)).mechanism, 'fentry');
});

test('detection failed: fentry as before, and the check says why', () => {
  const f = facts({ ok: false, reason: 'a tracing link\'s fdinfo (pid 5) names no target_btf_id (the kernel prints it from 5.13)' });
  assert.deepEqual(f.neighbours, { checked: false, reason: 'a tracing link\'s fdinfo (pid 5) names no target_btf_id (the kernel prints it from 5.13)' });
  const w = walkOutcome(f);
  assert.deepEqual([w.mechanism, w.note], ['fentry', undefined]);
});

test('--bpf.mechanism=fentry keeps fentry beside the other tool and says what that costs it', () => {
  const w = walkOutcome(facts(bpftraceOnWalk), 'fentry');
  assert.equal(w.mechanism, 'fentry');
  assert.match(w.note ?? '', /pid 1234 bpftrace: fentry, fexit\): fentry kept \(--bpf\.mechanism=fentry\), so its exit programs miss the calls in flight/);
});

test('kprobes refused (perf_event_paranoid=3 without CAP_SYS_ADMIN): fentry kept, with that reason', () => {
  const w = walkOutcome(facts(bpftraceOnWalk, { kprobesPermitted: false, perfEventParanoid: 3 }));
  assert.equal(w.mechanism, 'fentry');
  assert.match(w.note ?? '', /fentry kept \(kprobes refused: perf_event_paranoid=3 without CAP_SYS_ADMIN\)/);
});

test('a pinned link (no process holds it, found by id) is named by its link id', () => {
  const pinned: TracingLinkScan = { ok: true, refused: 0, links: [{ pid: 0, comm: '', linkId: 42, attachType: 25, targetBtfId: WALK_ID }] };
  const w = walkOutcome(facts(pinned));
  assert.equal(w.mechanism, 'kprobe');
  assert.match(w.note ?? '', /\(link 42 held by no process \(pinned\)\): kprobes/);
});

test('a BTF lookup that throws matches nothing: the plan is as before', () => {
  const f = facts(bpftraceOnWalk, { neighbours: fentryNeighbours(bpftraceOnWalk, () => { throw new Error('no BTF'); }) });
  assert.deepEqual(walkOutcome(f).mechanism, 'fentry');
});
