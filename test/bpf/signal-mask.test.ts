// Signals and the verifier: it returns EAGAIN when a signal is pending on the loading thread, which
// V8's CPU profiler (SIGPROF to the main thread every sampling interval) makes nearly certain on a
// load of many programs. The loads run with the thread's signals blocked (src/bpf/signal-mask.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { test } from 'node:test';
import { LibbpfError, loadFailureReason } from '../../src/bpf/errors.js';
import { withSignalsBlocked } from '../../src/bpf/signal-mask.js';
import { isTracing, withLoadedObject } from './host-object.js';

/** This thread's blocked signals (SigBlk of /proc/thread-self/status, a hex mask). */
const blocked = (): bigint => BigInt(`0x${/^SigBlk:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1]}`);

/** fn() while V8's CPU profiler samples this thread every `intervalUs` (each sample is a SIGPROF to it). */
async function underProfiler(intervalUs: number, fn: () => void): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<void>((resolve, reject) => session.post(method, params, (e) => (e ? reject(e) : resolve())));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  try {
    fn();
  } finally {
    await post('Profiler.stop');
    session.disconnect();
  }
}

test('every program this host loads passes the verifier while the profiler sends SIGPROF every 100 µs', async () => {
  // without the mask every load here failed with EAGAIN (the first of them, walk_entry_kprobe, 5 of 5 at 1 ms)
  for (let i = 0; i < 3; i++)
    await underProfiler(100, () => {
      try {
        withLoadedObject((obj) => {
          for (const p of obj.programs().filter((x) => !isTracing(x.section))) assert.ok(obj.programFd(p.name) > 0, `${p.name} has no fd`);
        });
      } catch (e) {
        assert.fail(e instanceof LibbpfError ? `${e.message}: ${loadFailureReason(e)}` : String(e));
      }
    });
});

test('a signal sent inside withSignalsBlocked waits, is handled after it, and the mask before is restored', async () => {
  const before = blocked();
  let handled = 0;
  const onSignal = () => handled++;
  process.on('SIGUSR2', onSignal);
  try {
    const inside = withSignalsBlocked(() => {
      process.kill(process.pid, 'SIGUSR2');
      return blocked();
    });
    // bit n-1 is signal n: every standard signal but SIGKILL (9) and SIGSTOP (19)
    assert.equal(inside & 0x7fff_ffffn, 0x7fff_ffffn & ~((1n << 8n) | (1n << 18n)), inside.toString(16));
    assert.equal(blocked(), before);
    for (let i = 0; i < 100 && handled === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(handled, 1);
  } finally {
    process.off('SIGUSR2', onSignal);
  }
});

test('the mask before is restored when the call throws', () => {
  const before = blocked();
  assert.throws(() => withSignalsBlocked(() => { throw new Error('inside'); }), /inside/);
  assert.equal(blocked(), before);
});

test('a load that still fails with EAGAIN says a signal interrupted it, not the verifier log\'s last line', () => {
  const e = new LibbpfError('bpf_object__load', 11, 'fsnotify.x86.bpf.o', [
    'libbpf: prog \'walk_entry_fentry\': BPF program load failed: Resource temporarily unavailable',
    'libbpf: prog \'walk_entry_fentry\': -- BEGIN PROG LOAD LOG --',
    '3: (63) *(u32 *)(r10 -16) = r0',
    '-- END PROG LOAD LOG --',
  ]);
  assert.equal(e.code, 'EAGAIN');
  assert.equal(loadFailureReason(e), 'interrupted by a signal during verification (EAGAIN)');
});
