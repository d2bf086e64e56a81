// The daemon on an arm64 kernel: Debian's 6.1 arm64 kernel under qemu-system-aarch64 (TCG) with
// an arm64 userland (docs/arm64.md). The guest (arm64-guest.ts) loads every program of the arm64
// object, runs --check and the daemon with a negative-dentry workload, and SIGTERMs it.
// Run with: npm run test:e2e -- --arch arm64   (scripts/run-tests.mjs; E2E_ARCH=arm64 also works)
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ARM64_KERNELS, CACHE } from '../../harness/guest/kernels.js';
import { guestFailure, runInVm } from '../../harness/guest/vm.js';
import { delta, parseProm, sum } from '../../harness/prom-text.js';
import type { Arm64Results } from './results.js';

const kernels = process.env.E2E_ARM64_KERNELS ? process.env.E2E_ARM64_KERNELS.split(',') : ARM64_KERNELS.map((k) => k.name);
const N = Number(process.env.E2E_NEGATIVE ?? 50_000);
/** as in e2e.test.ts: the child scan runs without the directory's locks while the dcache may reclaim */
const CHILDREN_TOLERANCE = 0.01;


for (const kernel of kernels) {
  describe(`arm64 kernel ${kernel}`, { concurrency: false }, () => {
    let r: Arm64Results;
    const report: Record<string, unknown> = {};

    before(async () => {
      const outDir = join(CACHE, `e2e-${kernel.replace(/[^\w.-]/g, '_')}`);
      rmSync(join(outDir, 'results.json'), { force: true });
      const vm = await runInVm({
        kernel,
        command: `E2E_NEGATIVE=${N} node dist/test/e2e/arm64-guest.js`,
        outDir,
        timeoutSec: Number(process.env.E2E_ARM64_TIMEOUT ?? 900),
        onLine: (l) => process.stderr.write(`  ${kernel}: ${l}\n`),
      });
      assert.ok(existsSync(join(outDir, 'results.json')), guestFailure('no results from the guest', vm));
      r = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Arm64Results;
      assert.equal(r.error, undefined, `${r.error}${r.daemonAtFailure ? `\ndaemon: ${JSON.stringify(r.daemonAtFailure)}` : ''}`);
      assert.equal(vm.status, 0, guestFailure('the guest failed', vm));
      report.bootSeconds = vm.bootSeconds;
      report.vmSeconds = vm.durationMs / 1000;
      report.timings = r.timings;
      // a node process that died in V8 under emulation and was started again (arm64-guest.ts)
      report.retries = r.retries.map((x) => `${x.step}: status ${x.status}, signal ${x.signal}: ${x.tail.split('\n').filter((l) => /Fatal|Check failed|internal error/.test(l)).join(' / ')}`);
    });

    test('the guest is arm64', () => {
      assert.equal(r.arch, 'arm64');
      assert.match(r.kernel, /arm64/);
    });

    test('every program of the arm64 object loads', () => {
      assert.ok(r.programs.length >= 30, `only ${r.programs.length} programs`);
      const refused = r.programs.filter((p) => !p.loaded);
      assert.deepEqual(refused, [], `refused: ${refused.map((p) => `${p.name}: ${p.error}`).join('; ')}`);
      report.programs = r.programs.length;
    });

    test('--check: the walk probes attach, and says with what', () => {
      assert.equal(r.check.status, 0, r.check.stdout + r.check.stderr);
      const entry = /^walk_entry: attached \((\w+) on (\S+)\)$/m.exec(r.check.stdout);
      const exit = /^walk_exit: attached \((\w+) on (\S+)\)$/m.exec(r.check.stdout);
      assert.ok(entry && exit, r.check.stdout);
      assert.equal(entry[2], r.walkFunction);
      // fentry where the kernel attaches trampolines, else kprobe: both are right, the report says which
      assert.ok(['fentry', 'kprobe'].includes(entry[1] as string) && exit[1] === (entry[1] === 'fentry' ? 'fexit' : 'kretprobe'), `${entry[1]}/${exit[1]}`);
      report.walkMechanism = `${entry[1]}/${exit[1]}`;
      report.lockWaits = /^lock waits: (\S+)$/m.exec(r.check.stdout)?.[1];
      // the watch probes take the walk's mechanism, on the syscalls' own arm64 functions
      for (const probe of ['watch_inotify_add', 'watch_inotify_remove', 'watch_fanotify_mark'])
        assert.match(r.check.stdout, new RegExp(`^${probe}: attached \\(${entry[1]} on __arm64_sys_\\w+\\)$`, 'm'), probe);
    });

    test(`negative dentries: one walk per watch add, ≈${N} negative children`, () => {
      assert.equal(r.ready, true, r.daemonLog);
      const [m0, m1] = [parseProm(r.m0), parseProm(r.m1)];
      assert.equal(sum(m0, 'fsnotify_exporter_probe_attached', { probe: 'walk_entry' }), 1);
      assert.equal(delta(m1, m0, 'fsnotify_walks_total'), 1);
      assert.equal(delta(m1, m0, 'fsnotify_watch_changes_total', { api: 'inotify', op: 'add' }), 1, 'the watch add');
      assert.equal(delta(m1, m0, 'fsnotify_walk_duration_seconds_count'), 1);
      assert.ok(delta(m1, m0, 'fsnotify_walk_duration_seconds_sum') > 0);
      const negative = delta(m1, m0, 'fsnotify_walk_children_sum', { kind: 'negative' });
      assert.ok(Math.abs(negative - N) <= N * CHILDREN_TOLERANCE, `negative children ${negative}, created ${N}`);
      assert.equal(delta(m1, m0, 'fsnotify_walk_children_count', { kind: 'negative' }), 1);
      report.walks = delta(m1, m0, 'fsnotify_walks_total');
      report.negativeChildren = negative;
      report.walkSeconds = delta(m1, m0, 'fsnotify_walk_duration_seconds_sum');
    });

    test('the walks running, as the lock probes see them, are back to 0 after the walk', () => {
      assert.notEqual(r.walksRunning, -1, 'walks_running not found in the daemon\'s maps');
      assert.equal(r.walksRunning, 0, 'a walk counted in and not out leaves the lock probes looking up every contended lock');
      report.walksRunning = r.walksRunning;
    });

    test('clean detach on SIGTERM: bpftool shows no program of ours', () => {
      assert.equal(r.whileRunning.bpftoolStatus, 0, 'bpftool prog show failed in the guest');
      assert.ok(r.whileRunning.progs.length > 0, 'bpftool saw none of our programs while the daemon ran');
      assert.equal(r.sigtermExit, 0);
      assert.deepEqual(r.afterSigterm.progs, []);
      assert.equal(r.afterSigterm.kprobeEvents, '');
      report.programsWhileRunning = r.whileRunning.progs.length;
      report.guestSeconds = r.seconds;
      process.stderr.write(`  ${kernel}: ${JSON.stringify(report)}\n`);
    });
  });
}
