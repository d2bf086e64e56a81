// startWatchers: the glue instrument.ts calls; the index fills from a real holder, and a missing
// CAP_SYS_PTRACE is said once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { startWatchers } from '../../src/daemon/watchers.js';
import { kernelDevOfUserDev } from '../../src/kernel/dev-t.js';

test('startWatchers: a startup scan finds a watch made before it, with the holder\'s cgroup', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-start-'));
  const child = spawn('inotifywait', ['-m', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logged: Array<{ msg: string }> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (logged.push(JSON.parse(String(c))), done()) }));
  try {
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => /Watches established/.test(String(d)) && resolve()));
    const w = startWatchers({ cgroupLabels: true, watchChanges: () => 0, watchChangesComplete: false, logger });
    try {
      for (let i = 0; i < 100 && w.index.stats.scans === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const st = statSync(dir, { bigint: true });
      const found = w.index.watchersOf({ dev: kernelDevOfUserDev(st.dev), ino: st.ino }).find((x) => x.pid === child.pid);
      assert.equal(found?.comm, 'inotifywait');
      assert.equal(found?.cgroup, w.resolver.identityOfPid(child.pid as number).cgroup);
      assert.ok(found?.cgroup.startsWith('/') || w.resolver.mountPoint === undefined);
      assert.equal(logged.filter((l) => l.msg.includes('CAP_SYS_PTRACE')).length, 0, 'this test runs as root with every capability');
    } finally {
      w.stop();
    }
    const off = startWatchers({ cgroupLabels: false, watchChanges: () => 0, watchChangesComplete: false, logger });
    off.stop();
    assert.equal(off.resolver.identityOfPid(process.pid).cgroup, '');
  } finally {
    child.kill('SIGKILL');
  }
});
