// Every program of the x86-64 object against this machine's real verifier (6.18). kprobe programs
// load even though they cannot attach here; fentry/fexit loads are refused (EPERM) on this
// machine, which is the signal the attach plan falls back on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { LibbpfError } from '../../src/bpf/errors.js';
import { libbpf } from '../../src/bpf/libbpf.js';
import { BpfObject } from '../../src/bpf/object.js';

const OBJECT = 'bpf/fsnotify.x86.bpf.o';
const isTracing = (section: string) => section.startsWith('fentry') || section.startsWith('fexit');

test('every kprobe and tracepoint program passes the verifier', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    const programs = obj.programs();
    assert.ok(programs.length >= 30, `only ${programs.length} programs`);
    for (const p of programs) obj.setAutoload(p.name, !isTracing(p.section));
    obj.load();
    for (const p of programs.filter((x) => !isTracing(x.section))) assert.ok(obj.programFd(p.name) > 0, `${p.name} has no fd`);
  } finally {
    obj.close();
  }
});

test('fentry programs are refused here with EPERM (the fallback signal)', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, p.name === 'parent_entry_fentry');
    obj.setAttachTarget('parent_entry_fentry', '__fsnotify_parent');
    assert.throws(
      () => obj.load(),
      (e: unknown) => e instanceof LibbpfError && e.code === 'EPERM',
    );
  } finally {
    obj.close();
  }
});

/** The loaded .rodata as the kernel formats it with the map's BTF (bpftool), variable by variable. */
function loadedRodata(obj: BpfObject): Record<string, number> {
  const info = Buffer.alloc(88); // struct bpf_map_info: u32 type, u32 id, ...
  const rc = libbpf.objGetInfoByFd(obj.map('.rodata').fd, info, new Uint32Array([info.length]));
  assert.equal(rc, 0, 'bpf_obj_get_info_by_fd');
  const [entry] = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(info.readUInt32LE(4))], { encoding: 'utf8' })) as Array<{
    formatted: { value: { '.rodata': Array<Record<string, number>> } };
  }>;
  return Object.assign({}, ...entry!.formatted.value['.rodata']) as Record<string, number>;
}

test('rodata written before load is what the kernel holds after it, 32- and 64-bit, untouched ones at their defaults', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, !isTracing(p.section));
    obj.setRodata({ children_scan_cap: 1234, slow_walk_threshold_ns: 5n, parent_func_start: 0x1_2345_6789n, parent_func_end: 0x1_2345_9999n });
    obj.load();
    assert.deepEqual(loadedRodata(obj), {
      children_scan_cap: 1234,
      children_scan_interval_ns: 10_000_000_000, // the object's own default
      slow_walk_threshold_ns: 5,
      parent_func_start: 0x1_2345_6789,
      parent_func_end: 0x1_2345_9999,
      cgroup_waits_on: 0,
      children_scan_budget: 4096,
      watch_syscalls_map_on: 1,
    });
  } finally {
    obj.close();
  }
});

test('with cgroup_waits_on the lock-wait programs (which then also count waits per cgroup) pass the verifier', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, p.name.startsWith('lock_wait_') && !isTracing(p.section));
    obj.setRodata({ cgroup_waits_on: 1 });
    obj.load();
    assert.equal(loadedRodata(obj).cgroup_waits_on, 1);
    for (const p of ['lock_wait_entry_kprobe', 'lock_wait_exit_kretprobe', 'lock_wait_entry_tp', 'lock_wait_exit_tp']) assert.ok(obj.programFd(p) > 0, `${p} has no fd`);
  } finally {
    obj.close();
  }
});

test('an unknown rodata variable is an error', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    assert.throws(() => obj.setRodata({ no_such_variable: 1 }), /no rodata variable no_such_variable/);
  } finally {
    obj.close();
  }
});
