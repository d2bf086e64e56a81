// The harness boots a guest once more when its kernel dies before the guest's init ran (a TCG
// fault at boot, docs/reliability.md), and only then. A real kernel made to die there: rdinit= and init=
// name a file that does not exist, so the kernel panics before any init ran.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CACHE } from '../../harness/guest/kernels.js';
import { deathBeforeInit, runInVm } from '../../harness/guest/vm.js';

test('a kernel that dies before the guest init is booted once more, and its first console kept', async () => {
  const outDir = mkdtempSync(join(CACHE, 'vm-boot-'));
  const progress: string[] = [];
  const vm = await runInVm({ kernel: 'debian-6.1', command: 'true', outDir, append: 'rdinit=/nonexistent-init init=/nonexistent-init', timeoutSec: 300, onProgress: (m) => progress.push(m) });
  assert.equal(vm.status, 125, 'the second boot dies the same way: the guest did not boot');
  assert.match(vm.rebootedAfter ?? '', /Kernel panic/);
  assert.equal(progress.filter((m) => m.startsWith('booting ')).length, 2, progress.join('\n'));
  assert.match(readFileSync(join(outDir, 'console-first-boot.log'), 'utf8'), /Kernel panic/);
  assert.ok(existsSync(vm.consolePath));
  rmSync(outDir, { recursive: true, force: true });
});

test('a death after the start marker, or a timeout, is the test\'s: no second boot', () => {
  const died = ['[    3.75] Oops: int3: 0000 [#2] PREEMPT SMP NOPTI', '[    3.75] Kernel panic - not syncing: Fatal exception in interrupt'];
  assert.equal(deathBeforeInit(died, false, false), died[0]);
  assert.equal(deathBeforeInit(died, true, false), undefined);
  assert.equal(deathBeforeInit(died, false, true), undefined);
  assert.equal(deathBeforeInit(['[    1.0] Run /init as init process'], false, false), undefined);
});
