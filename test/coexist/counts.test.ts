import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleTrouble } from '../../harness/guest/console-trouble.js';
import { compareCounts } from '../../harness/coexist/counts.js';

// the tools' maps as bpftrace prints them: BEGIN counted each once
const start = { walk_entry: 1, walk_exit: 1, add_entry: 1, add_exit: 1, rm_entry: 1, rm_exit: 1 };
const after = (walks: number, adds: number) => ({ walk_entry: 1 + walks, walk_exit: 1 + walks, add_entry: 1 + adds, add_exit: 1 + adds, rm_entry: 1 + adds, rm_exit: 1 + adds });

test('counts that match the workload pass', () => {
  assert.deepEqual(compareCounts({ kprobes: after(12, 12), fentries: after(12, 12), kprobesStart: start, fentriesStart: start, adds: 12, removes: 12, walksPerAdd: 1 }), []);
  assert.deepEqual(compareCounts({ kprobes: after(24, 12), fentries: after(24, 12), kprobesStart: start, fentriesStart: start, adds: 12, removes: 12, walksPerAdd: 2 }), []);
});

test('one lost walk exit in either tool is reported, by tool and probe', () => {
  const lost = { ...after(12, 12), walk_exit: 12 };
  assert.deepEqual(compareCounts({ kprobes: lost, fentries: after(12, 12), kprobesStart: start, fentriesStart: start, adds: 12, removes: 12, walksPerAdd: 1 }), ['kprobe walk exits: 11, expected 12']);
  assert.deepEqual(compareCounts({ kprobes: after(12, 12), fentries: lost, kprobesStart: start, fentriesStart: start, adds: 12, removes: 12, walksPerAdd: 1 }), ['fentry walk exits: 11, expected 12']);
});

test('a walk the workload did not cause, or a missed syscall, is reported', () => {
  const extra = compareCounts({ kprobes: after(13, 12), fentries: after(12, 11), kprobesStart: start, fentriesStart: start, adds: 12, removes: 12, walksPerAdd: 1 });
  assert.ok(extra.includes('kprobe walk entries: 13, expected 12'));
  assert.ok(extra.includes('fentry inotify_add_watch entries: 11, expected 12'));
  assert.ok(extra.includes('fentry inotify_rm_watch exits: 11, expected 12'));
});

test('the syscall probes are checked only where the tool has them', () => {
  const walksOnly = { walk_entry: 13, walk_exit: 13 };
  assert.deepEqual(compareCounts({ kprobes: walksOnly, fentries: walksOnly, kprobesStart: { walk_entry: 1, walk_exit: 1 }, fentriesStart: { walk_entry: 1, walk_exit: 1 }, adds: 12, removes: 12, walksPerAdd: 1 }), []);
});

test('console trouble: a soft lockup and its backtrace header are found, ordinary lines are not', () => {
  const console = [
    '[   12.1] virtio_net virtio0 eth0: renamed',
    '[  812.4] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [node:301]',
    '[  812.5] NMI backtrace for cpu 0',
    '[  900.0] rcu: INFO: rcu_sched self-detected stall on CPU',
    '@@VM-EXIT 0',
  ].join('\n');
  assert.deepEqual(consoleTrouble(console), ['[  812.4] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [node:301]', '[  900.0] rcu: INFO: rcu_sched self-detected stall on CPU']);
});
