// Marks from /proc/<pid>/fdinfo: the parser on the kernel's formats, dev_t conversion, and real
// inotifywait and fanotify holders on this host, started before the index is built.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelDev, kernelDevOfUserDev, majorMinorOfUserDev } from '../../src/kernel/dev-t.js';
import { parseMarkLine } from '../../src/kernel/fdinfo-marks.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { WatcherIndex } from '../../src/kernel/watcher-index.js';

test('fdinfo lines (fs/notify/fdinfo.c formats) → marks', () => {
  assert.deepEqual(parseMarkLine('inotify wd:1a ino:21c225 sdev:fe00000 mask:fff ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:25c22100a29fef23'), {
    api: 'inotify',
    scope: 'inode',
    dev: 0xfe00000,
    ino: 0x21c225n,
    wd: 0x1a,
    mask: '0xfff',
  });
  assert.deepEqual(parseMarkLine('fanotify ino:21c0b4 sdev:fe00000 mflags:0 mask:8000020 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:b4c02100f829e7a5'), {
    api: 'fanotify',
    scope: 'inode',
    dev: 0xfe00000,
    ino: 0x21c0b4n,
    mask: '0x8000020',
  });
  assert.deepEqual(parseMarkLine('fanotify mnt_id:1b mflags:0 mask:20 ignored_mask:0'), { api: 'fanotify', scope: 'mount', mntId: 27, mask: '0x20' });
  assert.deepEqual(parseMarkLine('fanotify sdev:800001 mflags:0 mask:8 ignored_mask:0'), { api: 'fanotify', scope: 'filesystem', dev: (8 << 20) | 1, mask: '0x8' });
  for (const other of ['fanotify flags:10 event-flags:8000', 'pos:\t0', 'fanotify mnt_ns:4026531841 mflags:0 mask:1000000 ignored_mask:0', 'inotify wd:1 ino:zz sdev:1 mask:1', ''])
    assert.equal(parseMarkLine(other), undefined, other);
  // 64-bit inode numbers survive (xfs, btrfs)
  assert.equal(parseMarkLine('inotify wd:1 ino:fffffffffffffff1 sdev:800001 mask:2 ignored_mask:0')?.ino, 0xfffffffffffffff1n);
});

test('dev_t: glibc user encoding → the kernel encoding (major << 20 | minor)', () => {
  // glibc makedev: minor bits 0-7 and 20-31 (of minor >> 8), major bits 8-19 and 32-43 (of major >> 12)
  const makedev = (ma: number, mi: number) =>
    BigInt(mi & 0xff) | (BigInt(ma & 0xfff) << 8n) | (BigInt(mi & ~0xff) << 12n) | (BigInt(ma & ~0xfff) << 32n);
  for (const [ma, mi] of [[8, 1], [254, 0], [259, 3], [0, 45], [4095, 255], [0x1234, 0x54321]] as Array<[number, number]>) {
    assert.deepEqual(majorMinorOfUserDev(makedev(ma, mi)), { major: ma, minor: mi }, `${ma}:${mi}`);
    if (ma < 4096) assert.equal(kernelDevOfUserDev(makedev(ma, mi)), ((ma << 20) | mi) >>> 0);
  }
  assert.equal(kernelDevOfUserDev(65024), 0xfe00000, "Node's st_dev of a 254:0 disk");
  // against the kernel's own view: the mount of / in mountinfo
  const st = statSync('/', { bigint: true });
  const root = readMountinfo().find((m) => m.mountPoint === '/');
  assert.equal(kernelDevOfUserDev(st.dev), root?.dev);
  assert.equal(kernelDev(0, 45), 45);
});

async function started(child: ChildProcess, ready: RegExp, stream: 'stdout' | 'stderr'): Promise<void> {
  let text = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
    child[stream]?.on('data', (d: Buffer) => {
      text += d.toString();
      if (ready.test(text)) resolve();
    });
  });
}

const dirId = (path: string) => {
  const st = statSync(path, { bigint: true });
  return { dev: kernelDevOfUserDev(st.dev), ino: st.ino };
};

test('inotifywait -m started before the index: its pid, comm, mask and the directory; gone after it exits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-watch-'));
  const shm = mkdtempSync('/dev/shm/fsx-watch-'); // tmpfs: an anonymous 0:N device
  const child = spawn('inotifywait', ['-m', dir, shm], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await started(child, /Watches established/, 'stderr');
    const t = new Date('2026-01-02T03:04:05.000Z');
    const index = new WatcherIndex({ identityOfPid: (pid) => ({ cgroup: `/test/${pid}` }), now: () => t, batch: 16 });
    await index.refresh();
    const pid = child.pid as number;
    for (const d of [dir, shm]) {
      const ws = index.watchersOf(dirId(d)).filter((w) => w.pid === pid);
      assert.deepEqual(ws, [{ cgroup: `/test/${pid}`, pid, comm: 'inotifywait', api: 'inotify', mask: '0xfff', since: t.toISOString() }], d);
    }
    assert.ok(dirId(shm).dev < 1 << 20, 'tmpfs has major 0');
    assert.notEqual(dirId(shm).dev, dirId(dir).dev);
    assert.equal(index.stats.scans, 1);
    assert.ok(index.stats.lastScanProcesses > 10);
    assert.ok(index.stats.marks >= 2);

    // still there at the next scan: since is when it was first seen
    const later = new Date('2026-01-02T03:05:00.000Z');
    const again = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), now: () => later });
    await again.refresh();
    (index as unknown as { now: () => Date }).now = () => later;
    await index.refresh();
    assert.equal(index.watchersOf(dirId(dir)).find((w) => w.pid === pid)?.since, t.toISOString());
    assert.equal(again.watchersOf(dirId(dir)).find((w) => w.pid === pid)?.since, later.toISOString());

    child.kill('SIGKILL');
    await exited;
    await index.refresh();
    assert.deepEqual(index.watchersOf(dirId(dir)).filter((w) => w.pid === pid), []);
    assert.equal(index.stats.scans, 3);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

// fatrace (Debian) holds mount marks only; python3, already a test dependency, makes all three kinds
const FANOTIFY_HOLDER = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
fd = libc.fanotify_init(0, os.O_RDONLY)  # FAN_CLASS_NOTIF
if fd < 0: sys.exit("fanotify_init: " + os.strerror(ctypes.get_errno()))
FAN_MARK_ADD, FAN_MARK_MOUNT, FAN_MARK_FILESYSTEM = 0x1, 0x10, 0x100
FAN_CLOSE_WRITE, FAN_OPEN, FAN_EVENT_ON_CHILD = 0x8, 0x20, 0x08000000
for flags, mask in [(FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD), (FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN), (FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE)]:
    if libc.fanotify_mark(fd, flags, mask, -100, sys.argv[1].encode()) < 0:
        sys.exit("fanotify_mark: " + os.strerror(ctypes.get_errno()))
print("ready", flush=True)
sys.stdin.read()
`;

test('a real fanotify holder: its inode mark on the directory, its mount and filesystem marks on the device', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-fan-'));
  const child = spawn('python3', ['-c', FANOTIFY_HOLDER, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await started(child, /ready/, 'stdout');
    const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }) });
    await index.refresh();
    const pid = child.pid as number;
    const id = dirId(dir);
    const mine = index.watchersOf(id).filter((w) => w.pid === pid);
    assert.deepEqual(
      mine.map((w) => [w.api, w.comm, w.mask]),
      [['fanotify', 'python3', '0x8000020']],
    );
    const wide = index.wideWatchersOf(id.dev).filter((w) => w.pid === pid);
    assert.deepEqual(wide.map((w) => [w.scope, w.mask, w.dev]).sort(), [['filesystem', '0x8', id.dev], ['mount', '0x20', id.dev]]);
    assert.deepEqual(index.wideWatchersOf(id.dev + 1).filter((w) => w.pid === pid), []);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

test('bounded: marks past maxMarks and processes past maxProcesses are counted, not kept', async () => {
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'fsx-bound-')));
  const children = [0, 1].map(() => spawn('inotifywait', ['-m', ...dirs], { stdio: ['ignore', 'ignore', 'pipe'] }));
  try {
    await Promise.all(children.map((c) => started(c, /Watches established/, 'stderr')));
    // other processes on this host may hold marks too: the bounds are checked on what is known to exist
    const fewMarks = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), maxMarks: 4 });
    await fewMarks.refresh();
    assert.equal(fewMarks.stats.marks, 4);
    assert.ok(fewMarks.stats.marksDropped >= 2, 'our 6 marks through a budget of 4');

    const oneProcess = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), maxProcesses: 1 });
    await oneProcess.refresh();
    assert.equal(oneProcess.stats.processes, 1);
    assert.ok(oneProcess.stats.processesDropped >= 1);
    assert.ok(oneProcess.stats.marksDropped >= 3, "the dropped process's marks count as dropped");
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});

test('refresh during a scan: one more scan after it, shared by the callers in between', async () => {
  const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), batch: 8 });
  const a = index.refresh();
  const b = index.refresh();
  const c = index.refresh();
  assert.equal(b, c);
  await Promise.all([a, b, c]);
  assert.equal(index.stats.scans, 2);
});

test('scan cost on this host (reported, and bounded per event-loop turn)', async () => {
  const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }) });
  await index.refresh();
  await index.refresh();
  const s = index.stats;
  process.stdout.write(`# watcher scan: ${s.lastScanProcesses} processes, ${s.marks} marks, ${(s.lastScanSeconds * 1000).toFixed(1)} ms wall, ${(s.lastScanBusySeconds * 1000).toFixed(1)} ms busy\n`);
  assert.ok(s.lastScanBusySeconds <= s.lastScanSeconds);
  assert.ok(s.lastScanProcesses >= Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[0]));
});

// The daemon drops its capabilities after attaching and the unit grants no CAP_SYS_PTRACE: /proc's
// fd and fdinfo need ptrace read access (proc_fd_access_allowed), which a root process without
// capabilities lacks for any process holding capabilities it does not have.
test('the scan needs CAP_SYS_PTRACE: without it, a root inotifywait is invisible', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-cap-'));
  const child = spawn('inotifywait', ['-m', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await started(child, /Watches established/, 'stderr');
    const module = new URL('../../src/kernel/watcher-index.js', import.meta.url).pathname;
    const script = `import { WatcherIndex } from ${JSON.stringify(module)};
const ix = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }) });
await ix.refresh();
process.stdout.write(String(ix.stats.marks > 0));`;
    const run = (caps: string) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn('setpriv', [`--inh-caps=${caps}`, `--ambient-caps=${caps}`, `--bounding-set=${caps}`, '--', process.execPath, '--input-type=module', '-e', script]);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`setpriv exited ${code}`))));
      });
    assert.equal(await run('-all'), 'false', 'no capabilities: no marks of a root process with capabilities');
    assert.equal(await run('-all,+sys_ptrace'), 'true', 'CAP_SYS_PTRACE alone is enough');
    assert.equal(await run('-all,+dac_read_search'), 'false', 'CAP_DAC_READ_SEARCH is not');
  } finally {
    child.kill('SIGKILL');
  }
});

test('start(): a scan at once, another when the watch-change counters move, none while they stand still', async () => {
  let changes = 5;
  const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }) });
  const stop = index.start({ changes: () => changes, pollMs: 20, minGapMs: 0, intervalMs: 3_600_000 });
  const settle = () => new Promise((r) => setTimeout(r, 300));
  try {
    await settle();
    assert.equal(index.stats.scans, 1, 'the startup scan');
    await settle();
    assert.equal(index.stats.scans, 1, 'counters unchanged: no scan');
    changes += 2;
    await settle();
    assert.equal(index.stats.scans, 2, 'counters moved: one scan');
  } finally {
    stop();
  }
  changes += 1;
  await settle();
  assert.equal(index.stats.scans, 2, 'stopped');
});

/** A /proc of one process (pid 100) holding an inotify fd with a mark on 8:1 inode 0x2a. */
function fakeProc(): { proc: string; close: () => void } {
  const proc = mkdtempSync(join(tmpdir(), 'fsx-proc-'));
  mkdirSync(join(proc, '100/fd'), { recursive: true });
  mkdirSync(join(proc, '100/fdinfo'));
  writeFileSync(join(proc, '100/comm'), 'watcher\n');
  symlinkSync('anon_inode:inotify', join(proc, '100/fd/3'));
  writeFileSync(join(proc, '100/fdinfo/3'), 'pos:\t0\nflags:\t00\nmnt_id:\t15\ninotify wd:1 ino:2a sdev:800001 mask:fff ignored_mask:0\n');
  return { proc, close: () => rmSync(join(proc, '100/fd/3')) };
}

async function until(what: string, done: () => boolean): Promise<void> {
  // polls of 10 ms: a deadline far above the few polls each step needs, for a loaded host
  for (const deadline = Date.now() + 10_000; !done(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

test('start() with fullIntervalMs: between full scans the interval only checks the holders\' fds; a closed one brings a scan', async () => {
  const { proc, close } = fakeProc();
  const dir = { dev: kernelDev(8, 1), ino: 0x2an };
  const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), proc });
  const stop = index.start({ changes: () => 0, pollMs: 10, minGapMs: 0, intervalMs: 30, fullIntervalMs: 3_600_000 });
  try {
    await until('two holder checks', () => index.stats.holderChecks >= 2);
    assert.equal(index.stats.scans, 1, 'the holder is open: no scan after the first');
    assert.equal(index.watchersOf(dir)[0]?.comm, 'watcher');
    close();
    await until('a scan after the close', () => index.stats.scans === 2);
    assert.deepEqual(index.watchersOf(dir), []);
  } finally {
    stop();
    rmSync(proc, { recursive: true });
  }
});

test('start() without fullIntervalMs (counters that may miss changes): every interval is a full scan', async () => {
  const { proc } = fakeProc();
  const index = new WatcherIndex({ identityOfPid: () => ({ cgroup: '' }), proc });
  const stop = index.start({ changes: () => 0, pollMs: 10, minGapMs: 0, intervalMs: 30 });
  try {
    await until('three scans', () => index.stats.scans >= 3);
    assert.equal(index.stats.holderChecks, 0);
  } finally {
    stop();
    rmSync(proc, { recursive: true });
  }
});
