// The preemption model from the files the kernel has, given by the test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preemptModel } from '../../src/kernel/preempt-model.js';

const files = (f: Record<string, string>) => (path: string) => f[path];
const DYNAMIC = '#1 SMP PREEMPT_DYNAMIC Debian 7.3.4-1~bpo13+1 (2026-11-15)';

test('debugfs names the current mode in parentheses, whatever the build says', () => {
  assert.deepEqual(preemptModel(files({ '/sys/kernel/debug/sched/preempt': 'full (lazy)\n', '/proc/sys/kernel/version': DYNAMIC })), { model: 'lazy', preemptible: true, source: '/sys/kernel/debug/sched/preempt' });
  assert.equal(preemptModel(files({ '/sys/kernel/debug/sched/preempt': 'none (voluntary) full lazy\n' })).preemptible, false);
});

test('without debugfs: preempt= on the command line, else the build; a dynamic build of unknown mode counts as preemptible', () => {
  assert.deepEqual(preemptModel(files({ '/proc/sys/kernel/version': DYNAMIC, '/proc/cmdline': 'root=/dev/vda preempt=voluntary quiet' })), { model: 'voluntary', preemptible: false, source: '/proc/cmdline' });
  assert.deepEqual(preemptModel(files({ '/proc/sys/kernel/version': DYNAMIC, '/proc/cmdline': 'root=/dev/vda' })), { model: 'dynamic', preemptible: true, source: 'uname -v' });
  assert.equal(preemptModel(files({ '/proc/sys/kernel/version': '#1 SMP PREEMPT_RT Tue' })).model, 'rt');
  assert.equal(preemptModel(files({ '/proc/sys/kernel/version': '#1 SMP PREEMPT Tue' })).model, 'full');
  assert.deepEqual(preemptModel(files({ '/proc/sys/kernel/version': '#1 SMP Debian 5.10.223-1' })), { model: 'voluntary', preemptible: false, source: 'uname -v' });
});
