import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKmsgRecord, SoftLockupParser, type SoftLockupReport } from '../../src/kernel/kmsg.js';

test('a soft lockup whose backtrace names the walk is in_walk', () => {
  const got: SoftLockupReport[] = [];
  const p = new SoftLockupParser((r) => got.push(r));
  p.record('watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [python3:4242]');
  p.record('CPU: 1 PID: 4242 Comm: python3 Not tainted 6.1.192-oldfsnotify');
  p.record(' __fsnotify_update_child_dentry_flags+0x8c/0x140');
  p.record(' __fsnotify_parent+0x2ee/0x340');
  p.record('watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kworker/0:1:12]');
  p.record(' worker_thread+0x50/0x3c0');
  p.flush();
  assert.deepEqual(got, [
    { cpu: 1, stuckSeconds: 22, comm: 'python3', pid: 4242, inWalk: true },
    { cpu: 0, stuckSeconds: 23, comm: 'kworker/0:1', pid: 12, inWalk: false },
  ]);
});

test('kmsg record fields', () => {
  assert.deepEqual(parseKmsgRecord('4,1234,5678901,-;hello;world'), [5678901, 'hello;world']);
  assert.equal(parseKmsgRecord('no separator'), undefined);
});
