// Kernel conditions that cannot be produced on the build machine, checked on the function that
// turns them into errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preflight } from '../../src/daemon/instrument.js';
import { FatalError } from '../../src/errors.js';
import type { KernelInfo } from '../../src/kernel/kernel-info.js';

const ok: KernelInfo = { release: '6.1.0', arch: 'x64', walkFunction: 'fsnotify_set_children_dentry_flags', childList: 'd_subdirs', lazyClear: true, btf: true };

test('no BTF: exit 6 naming CONFIG_DEBUG_INFO_BTF', () => {
  assert.throws(
    () => preflight({ ...ok, btf: false }),
    (e: unknown) => e instanceof FatalError && e.code === 6 && /no BTF .*CONFIG_DEBUG_INFO_BTF=y/.test(e.line()),
  );
});

test('neither walk function in kallsyms: exit 6', () => {
  assert.throws(
    () => preflight({ ...ok, walkFunction: undefined }),
    (e: unknown) => e instanceof FatalError && e.code === 6 && /neither fsnotify_set_children_dentry_flags nor __fsnotify_update_child_dentry_flags/.test(e.line()),
  );
});

test('a kernel with the walk and BTF passes', () => {
  preflight(ok);
});
