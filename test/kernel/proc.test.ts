import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDentryState, readDentryState } from '../../src/kernel/dentry-state.js';
import { childListFromBtf, readKernelInfo } from '../../src/kernel/kernel-info.js';
import { readKallsyms } from '../../src/kernel/kallsyms.js';
import { readSoftlockupThreshold } from '../../src/kernel/watchdog.js';

test('dentry-state: total, unused, negative', () => {
  assert.deepEqual(parseDentryState('123\t45\t45\t0\t67\t0\n'), { total: 123, unused: 45, negative: 67 });
  assert.deepEqual(parseDentryState('123 45'), { total: 123, unused: 45 });
  assert.throws(() => parseDentryState('garbage'));
  const live = readDentryState();
  assert.ok(live && live.total > 0);
});

test('soft-lockup threshold is 2 x watchdog_thresh, the default when the watchdog is off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-'));
  writeFileSync(join(dir, 'watchdog_thresh'), '3\n');
  writeFileSync(join(dir, 'soft_watchdog'), '1\n');
  assert.deepEqual(readSoftlockupThreshold(dir), { seconds: 6, source: 'watchdog_thresh' });
  writeFileSync(join(dir, 'soft_watchdog'), '0\n');
  assert.equal(readSoftlockupThreshold(dir).source, 'default');
  assert.equal(readSoftlockupThreshold(join(dir, 'missing')).seconds, 20);
});

test('child list layout from BTF member names', () => {
  assert.equal(childListFromBtf(Buffer.from('\0d_sib\0d_children\0')), 'd_children');
  assert.equal(childListFromBtf(Buffer.from('\0d_child\0d_subdirs\0')), 'd_subdirs');
  const info = readKernelInfo(readKallsyms());
  assert.equal(info.btf, true);
  // this machine runs 6.18: hlist layout and the renamed walk
  assert.equal(info.childList, 'd_children');
  assert.equal(info.walkFunction, 'fsnotify_set_children_dentry_flags');
});
