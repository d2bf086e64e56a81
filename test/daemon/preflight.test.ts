// Kernel conditions that cannot be produced on the build machine, fed to the function that turns
// them into errors: the exact code and line for each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preflight, type PreflightHost } from '../../src/daemon/preflight.js';
import { FatalError } from '../../src/errors.js';
import { CAP } from '../../src/kernel/capabilities.js';
import type { KernelInfo } from '../../src/kernel/kernel-info.js';

const ok: KernelInfo = { release: '6.1.0', arch: 'x64', walkFunction: 'fsnotify_set_children_dentry_flags', childList: 'd_subdirs', lazyClear: true, btf: true };
const caps = (...c: number[]) => c.reduce((set, bit) => set | (1n << BigInt(bit)), 0n);
const root: PreflightHost = { bpfSyscall: true, effectiveCapabilities: caps(CAP.BPF, CAP.PERFMON, CAP.SYSLOG), uid: 0 };

/** The FatalError preflight throws, as [code, line]; undefined when it passes. */
function outcome(kernel: KernelInfo, host: PreflightHost): [number, string] | undefined {
  try {
    preflight(kernel, host);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof FatalError, String(e));
    return [e.code, e.line()];
  }
}

test('no BTF: exit 6 naming CONFIG_DEBUG_INFO_BTF', () => {
  assert.deepEqual(outcome({ ...ok, btf: false }, root), [
    6,
    'fsnotify-exporter: the kernel has no BTF (/sys/kernel/btf/vmlinux is missing); run a kernel built with CONFIG_DEBUG_INFO_BTF=y',
  ]);
});

test('neither walk function in kallsyms: exit 6', () => {
  assert.deepEqual(outcome({ ...ok, walkFunction: undefined, lazyClear: false }, root), [
    6,
    'fsnotify-exporter: neither fsnotify_set_children_dentry_flags nor __fsnotify_update_child_dentry_flags is in /proc/kallsyms; this kernel has no fsnotify child-dentry walk to trace (CONFIG_FSNOTIFY off?)',
  ]);
});

test('no bpf() syscall: exit 6 naming CONFIG_BPF_SYSCALL', () => {
  assert.deepEqual(outcome(ok, { ...root, bpfSyscall: false }), [6, 'fsnotify-exporter: the kernel has no bpf() support; run a kernel built with CONFIG_BPF_SYSCALL=y']);
});

test('no BTF is reported before no bpf(): the first problem found, one line', () => {
  assert.equal(outcome({ ...ok, btf: false }, { ...root, bpfSyscall: false })?.[1].includes('no BTF'), true);
});

test('capabilities: exit 5 naming exactly the missing ones and the uid; CAP_SYS_ADMIN covers both', () => {
  assert.deepEqual(outcome(ok, { ...root, effectiveCapabilities: caps(CAP.BPF), uid: 0 }), [
    5,
    'fsnotify-exporter: missing capability CAP_PERFMON (uid 0): loading needs CAP_BPF, attaching CAP_PERFMON; run as root, or grant CAP_BPF CAP_PERFMON CAP_SYSLOG as systemd/fsnotify-exporter.service does',
  ]);
  assert.match(outcome(ok, { ...root, effectiveCapabilities: 0n, uid: 65534 })?.[1] ?? '', /^fsnotify-exporter: missing capability CAP_BPF and CAP_PERFMON \(uid 65534\): /);
  assert.equal(outcome(ok, { ...root, effectiveCapabilities: caps(CAP.SYS_ADMIN) }), undefined);
});

test('a kernel with the walk, BTF and bpf(), and the capabilities: passes', () => {
  assert.equal(outcome(ok, root), undefined);
  assert.equal(outcome({ ...ok, walkFunction: '__fsnotify_update_child_dentry_flags', lazyClear: false }, root), undefined);
});
