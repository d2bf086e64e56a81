import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { uptime } from 'node:os';
import pino from 'pino';
import { parseKmsgRecord, readRecord, SoftLockupParser, watchKmsg, type SoftLockupReport } from '../../src/kernel/kmsg.js';

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

// A quiet kernel log ends every drain (once a second) with EAGAIN: read(2) itself, not node's
// readSync, which throws an Error for it (its stack trace and the throw were 15% of an idle
// daemon's CPU).
test('a read of a non-blocking fd: bytes, or EAGAIN as a value', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kmsg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'kmsg');
  execFileSync('mkfifo', [fifo]);
  const r = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  t.after(() => [r, w].forEach((fd) => closeSync(fd)));
  const buf = Buffer.alloc(64);

  assert.equal(readRecord(r, buf), 'EAGAIN', 'returned, not thrown');

  writeSync(w, '6,1,2,-;hello\n');
  assert.equal(readRecord(r, buf), 14);
  assert.equal(buf.toString('utf8', 0, 14), '6,1,2,-;hello\n');
  assert.equal(readRecord(r, buf), 'EAGAIN');
  const closed = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  closeSync(closed);
  assert.equal(readRecord(closed, buf), 'EBADF', 'another error: its name');
});

test('the drain on its timer: one record a read, the report once a tick finds nothing new', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kmsg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'kmsg');
  execFileSync('mkfifo', [fifo]);
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const got: SoftLockupReport[] = [];
  // the reader opens first (non-blocking), then the writer: the FIFO stays open between records
  const stop = watchKmsg(pino({ enabled: false }), (r) => got.push(r), fifo, 1000);
  const w = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  t.after(() => closeSync(w));
  const at = Math.floor(uptime() * 1e6) + 1_000_000; // after the watch began: not skipped as old
  writeSync(w, `0,1,${at},-;watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [python3:4242]\n`);
  mock.timers.tick(1000);
  writeSync(w, `4,2,${at + 1},-; fsnotify_set_children_dentry_flags+0x8c/0x140\n`);
  mock.timers.tick(1000);
  assert.deepEqual(got, [], 'the backtrace may go on');
  mock.timers.tick(1000);
  assert.deepEqual(got, [{ cpu: 1, stuckSeconds: 22, comm: 'python3', pid: 4242, inWalk: true }]);
  stop();
});
