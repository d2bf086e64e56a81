// The harness boots a guest once more when its kernel dies before the guest's init ran (a TCG
// fault at boot, docs/reliability.md), or of TCG's int3 fault at any time, and only then. A real
// kernel made to die there: rdinit= and init= name a file that does not exist, so the kernel
// panics before any init ran; and one made to crash mid-command after printing the fault's lines.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CACHE } from '../../harness/guest/kernels.js';
import { deathBeforeInit, guestFailure, runInVm, tcgInt3Fault, type VmResult } from '../../harness/guest/vm.js';

test('a death after the start marker, or a timeout, is the test\'s: no second boot', () => {
  const died = ['[    3.75] Oops: int3: 0000 [#2] PREEMPT SMP NOPTI', '[    3.75] Kernel panic - not syncing: Fatal exception in interrupt'];
  assert.equal(deathBeforeInit(died, false, false), died[0]);
  assert.equal(deathBeforeInit(died, true, false), undefined);
  assert.equal(deathBeforeInit(died, false, true), undefined);
  assert.equal(deathBeforeInit(['[    1.0] Run /init as init process'], false, false), undefined);
});

// the console of the 7.x guest that died in step 7 (docs/reliability.md), shortened
const INT3_DEATH = [
  '@@CHECKPOINT loaded',
  '[  282.482111] Oops: int3: 0000 [#1] SMP NOPTI',
  '[  282.485611] CPU: 1 UID: 0 PID: 250 Comm: kworker/1:3 Not tainted 7.3.4+deb13-amd64 #1 PREEMPT(lazy)  Debian 7.3.4-1~bpo13+1 ',
  '[  282.493618] RIP: 0010:__schedule+0x3ee/0x1080',
  '[  282.494176] Code: 4d 85 ed 0f 85 c2 06 00 00 4d 85 e4 74 11 4d 01 ac 24 90 11 00 00 49 83 84 24 88 11 00 00 01 0f 1f 44 00 00 0f 1f 44 00 00 0f <1f> 44 00 00 0f 1f 44 00 00 c6 43 34 01 4c 89 f7 66 0f 1f 44 00 00',
  '[  282.501001] Kernel panic - not syncing: Fatal exception in interrupt',
];

test("TCG's int3 fault (an int3 trap where the code holds no int3) is told apart from a real int3 and from other deaths", () => {
  assert.equal(tcgInt3Fault(INT3_DEATH), INT3_DEATH[1]?.trim());
  // the same trap on an int3 that is there: a real breakpoint, the test's
  assert.equal(tcgInt3Fault(INT3_DEATH.map((l) => l.replace('0f <1f>', 'cc <1f>'))), undefined);
  assert.equal(tcgInt3Fault(INT3_DEATH.filter((l) => !l.includes('Code:'))), undefined);
  assert.equal(tcgInt3Fault(INT3_DEATH.map((l) => l.replace('Oops: int3:', 'Oops: general protection fault'))), undefined);
  assert.equal(tcgInt3Fault(['[    1.0] Run /init as init process']), undefined);
});

test("a failed guest's message names the kernel's first trouble, which a long hang's last lines no longer hold", () => {
  const vm: VmResult = { status: 124, outDir: '/o', consolePath: '/o/console.log', bootSeconds: 6, durationMs: 1_500_000, consoleTail: ['[ 1495.99]  path_openat+0x71a/0x1050'], kernelTrouble: [INT3_DEATH[1] as string] };
  const message = guestFailure('timed out after 1500 s', vm).split('\n');
  assert.deepEqual(message, ['timed out after 1500 s (exit 124); console: /o/console.log', "the kernel's first trouble:", `  | ${INT3_DEATH[1]}`, 'its last lines:', '  | [ 1495.99]  path_openat+0x71a/0x1050']);
  assert.ok(!guestFailure('failed', { ...vm, kernelTrouble: [] }).includes('trouble'));
});

// the two real guests boot at once: each is a short boot and a trivial command (CI's wall time)
describe('real guests', { concurrency: true }, () => {
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

  test("a guest that dies of TCG's int3 fault mid-command runs it once more, after beforeRerun", async () => {
    const outDir = mkdtempSync(join(CACHE, 'vm-rerun-'));
    const progress: string[] = [];
    let reruns = 0;
    // the first run logs the fault's two lines through the kernel's log (/dev/kmsg, emergency level),
    // then crashes the kernel (sysrq c); the second finds its mark in the output directory and exits 0.
    // Through printk the panic flushes them to the console; echoed to the tty they raced the crash.
    const [oops, code] = [INT3_DEATH[1], INT3_DEATH[4]].map((l) => (l as string).replace(/^\[[^\]]*\] /, ''));
    // each run also records the kernel's panic_on_oops: an oops in a task ends the guest (oops=panic), as this crash does
    const command = `echo run >> $VM_OUT/runs; cat /proc/sys/kernel/panic_on_oops >> $VM_OUT/panic_on_oops; [ $(wc -l < $VM_OUT/runs) -gt 1 ] && exit 0; echo '<0>${oops}' > /dev/kmsg; echo '<0>${code}' > /dev/kmsg; echo c > /proc/sysrq-trigger`;
    const vm = await runInVm({ kernel: 'debian-6.1', command, outDir, timeoutSec: 300, onProgress: (m) => progress.push(m), onLine: () => undefined, beforeRerun: () => void reruns++ });
    assert.equal(vm.status, 0, progress.join('\n'));
    assert.equal(reruns, 1);
    assert.equal(progress.filter((m) => m.startsWith('booting ')).length, 2, progress.join('\n'));
    // the kernel's log line: its timestamp, then exactly the line logged
    assert.match(vm.rebootedAfter ?? '', new RegExp(`^\\[\\s*\\d+\\.\\d+\\] ${(oops as string).replace(/[[\]().*+?^$|\\{}]/g, '\\$&')}$`));
    assert.equal(readFileSync(join(outDir, 'runs'), 'utf8'), 'run\nrun\n', 'the command ran twice');
    assert.equal(readFileSync(join(outDir, 'panic_on_oops'), 'utf8'), '1\n1\n', 'both boots panic on an oops');
    assert.deepEqual(vm.kernelTrouble, [], 'the second boot is clean');
    assert.match(readFileSync(join(outDir, 'console-first-boot.log'), 'utf8'), /Oops: int3/);
    rmSync(outDir, { recursive: true, force: true });
  });
});
