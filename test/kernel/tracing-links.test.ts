// Other processes' BPF tracing links from /proc/<pid>/fdinfo: the parser on the kernel's formats
// (kernel/bpf/syscall.c bpf_link_show_fdinfo + bpf_tracing_link_show_fdinfo), and the scan over a
// /proc laid out by the test.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeLinkScans, parseLinkFdinfo, scanTracingLinks } from '../../src/kernel/tracing-links.js';

// 6.5+: attach_type, target_obj_id, target_btf_id (e859e429511a; later a cookie); before (5.10, 6.1): attach_type only
const FDINFO_6_12 = 'pos:\t0\nflags:\t02000000\nmnt_id:\t15\nino:\t1057\nlink_type:\ttracing\nlink_id:\t6\nprog_tag:\t9dfdf8ef453843bf\nprog_id:\t35\nattach_type:\t25\ntarget_obj_id:\t1\ntarget_btf_id:\t60355\n';
const FDINFO_6_1 = 'pos:\t0\nflags:\t02000000\nmnt_id:\t15\nlink_type:\ttracing\nlink_id:\t6\nprog_tag:\t9dfdf8ef453843bf\nprog_id:\t35\nattach_type:\t24\n';
const FDINFO_KPROBE_MULTI = 'pos:\t0\nflags:\t02000000\nlink_type:\tkprobe_multi\nlink_id:\t9\nprog_tag:\t00\nprog_id:\t40\n';

test('tracing link fdinfo → attach type and target; other link types → nothing', () => {
  assert.deepEqual(parseLinkFdinfo(FDINFO_6_12), { linkId: 6, attachType: 25, targetBtfId: 60355, targetObjId: 1 });
  assert.deepEqual(parseLinkFdinfo(FDINFO_6_1), { linkId: 6, attachType: 24 });
  assert.equal(parseLinkFdinfo(FDINFO_KPROBE_MULTI), undefined);
});

/** A /proc with the given processes: each fd a symlink to its target, with its fdinfo. */
function fakeProc(procs: Record<number, { comm: string; fds: Array<[string, string]> }>): string {
  const root = mkdtempSync(join(tmpdir(), 'fsx-links-'));
  for (const [pid, p] of Object.entries(procs)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    mkdirSync(join(root, pid, 'fdinfo'));
    writeFileSync(join(root, pid, 'comm'), `${p.comm}\n`);
    p.fds.forEach(([target, info], i) => {
      symlinkSync(target, join(root, pid, 'fd', String(i + 3)));
      writeFileSync(join(root, pid, 'fdinfo', String(i + 3)), info);
    });
  }
  return root;
}

test('the scan finds fentry/fexit links, skips other fds, other link types and its own process', () => {
  const proc = fakeProc({
    1234: { comm: 'bpftrace', fds: [['anon_inode:bpf_link', FDINFO_6_12], ['anon_inode:bpf-prog', 'prog_type:\t26\n'], ['/dev/null', '']] },
    77: { comm: 'systemd', fds: [['anon_inode:bpf_link', FDINFO_KPROBE_MULTI]] },
    55: { comm: 'self', fds: [['anon_inode:bpf_link', FDINFO_6_12]] },
  });
  assert.deepEqual(scanTracingLinks(proc, 55), { ok: true, refused: 0, links: [{ pid: 1234, comm: 'bpftrace', linkId: 6, attachType: 25, targetBtfId: 60355, targetObjId: 1 }] });
});

test('fdinfo without the target (before 6.5): the link is asked; when that fails too, the scan fails with both reasons', () => {
  const proc = fakeProc({ 1234: { comm: 'bpftrace', fds: [['anon_inode:bpf_link', FDINFO_6_1]] } });
  const asked: Array<[number, number]> = [];
  const answer = (pid: number, fd: number) => (asked.push([pid, fd]), { targetBtfId: 60355, targetObjId: 1 });
  assert.deepEqual(scanTracingLinks(proc, 1, answer), { ok: true, refused: 0, links: [{ pid: 1234, comm: 'bpftrace', linkId: 6, attachType: 24, targetBtfId: 60355, targetObjId: 1 }] });
  assert.deepEqual(asked, [[1234, 3]]);
  assert.deepEqual(scanTracingLinks(proc, 1, () => ({ reason: 'the kernel gives a tracing link\'s target from 5.13' })), {
    ok: false,
    reason: 'a tracing link\'s fdinfo (pid 1234) names no target (printed from 6.5), and the link could not be asked (the kernel gives a tracing link\'s target from 5.13)',
  });
});

test('an unreadable /proc: the scan fails with the reason', () => {
  const r = scanTracingLinks('/nonexistent-proc', 1);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /\/nonexistent-proc is unreadable \(ENOENT\)/);
});

test('links by id complete the /proc scan with the ones no process holds; either alone is enough', () => {
  const held = { pid: 1234, comm: 'bpftrace', linkId: 6, attachType: 25, targetBtfId: 60355 };
  const pinned = { pid: 0, comm: '', linkId: 9, attachType: 24, targetBtfId: 60355 };
  const byId = { ok: true as const, refused: 0, links: [{ ...held, pid: 0, comm: '' }, pinned] };
  assert.deepEqual(mergeLinkScans({ ok: true, refused: 2, links: [held] }, byId), { ok: true, refused: 2, links: [held, pinned] });
  assert.deepEqual(mergeLinkScans({ ok: false, reason: 'no /proc' }, byId), byId);
  assert.deepEqual(mergeLinkScans({ ok: true, refused: 0, links: [held] }, { ok: false, reason: 'EPERM' }), { ok: true, refused: 0, links: [held] });
  assert.deepEqual(mergeLinkScans({ ok: false, reason: 'no /proc' }, undefined), { ok: false, reason: 'no /proc' });
});
