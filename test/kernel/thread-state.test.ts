import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { inInitialPidNamespace, parseThreadStatus, readThreadState } from '../../src/kernel/thread-state.js';

test('/proc/<tid>/status: this thread runs; a sleeping child sleeps and its switches count; an exited one is gone', async () => {
  assert.equal(readThreadState(process.pid)?.state, 'R', 'the reader itself runs while it reads');
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const pid = child.pid as number;
    // sleep(1) is in nanosleep once it has made a voluntary switch: poll for that, not for a time
    let t = readThreadState(pid);
    for (let i = 0; i < 500 && !(t && t.state === 'S' && t.voluntarySwitches > 0); i++) {
      await new Promise((r) => setTimeout(r, 10));
      t = readThreadState(pid);
    }
    assert.equal(t?.state, 'S');
    assert.ok((t?.voluntarySwitches ?? 0) > 0);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(readThreadState(pid), undefined, 'reaped: no such thread');
  } finally {
    child.kill('SIGKILL');
  }
});

test('status text: state letter and voluntary switches; anything else is not a thread status', () => {
  assert.deepEqual(parseThreadStatus('Name:\tx\nState:\tD (disk sleep)\nvoluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n'), { state: 'D', voluntarySwitches: 12 });
  assert.equal(parseThreadStatus('Name:\tx\n'), undefined);
});

test('initial pid namespace: from /proc/self/ns/pid', () => {
  assert.equal(inInitialPidNamespace(() => 'pid:[4026531836]'), true);
  assert.equal(inInitialPidNamespace(() => 'pid:[4026532512]'), false);
  assert.equal(
    inInitialPidNamespace(() => {
      throw new Error('EACCES');
    }),
    false,
  );
});
