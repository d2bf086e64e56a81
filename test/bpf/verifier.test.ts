// Every program of the x86-64 object against this machine's real verifier (6.18). kprobe programs
// load even though they cannot attach here; fentry/fexit loads are refused (EPERM) on this
// machine, which is the signal the attach plan falls back on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LibbpfError } from '../../src/bpf/errors.js';
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

test('rodata is written before load and an unknown variable is an error', () => {
  const obj = BpfObject.open(OBJECT);
  try {
    obj.setRodata({ children_scan_cap: 1234, slow_walk_threshold_ns: 5n });
    assert.throws(() => obj.setRodata({ no_such_variable: 1 }), /no rodata variable no_such_variable/);
  } finally {
    obj.close();
  }
});
