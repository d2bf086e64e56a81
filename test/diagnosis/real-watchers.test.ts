// The diagnosis on this host's real /proc: an inotifywait started before the index shows up in
// GET /api/v1/directories under the directory it watches, with its pid and real cgroup; creator
// probes off (NO_CREATORS) read as "not counted".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assembleDiagnosis } from '../../src/diagnosis/assemble.js';
import type { DirectoryDiagnosis } from '../../src/diagnosis/model.js';
import { NO_CREATORS } from '../../src/diagnosis/no-creators.js';
import { CgroupIdResolver } from '../../src/kernel/cgroup/resolver.js';
import { kernelDevOfUserDev } from '../../src/kernel/dev-t.js';
import { WatcherIndex } from '../../src/kernel/watcher-index.js';
import { startServer } from '../server/start.js';

test('inotifywait -m on a directory: its pid, comm and cgroup in /api/v1/directories, creations not counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-diag-'));
  const child = spawn('inotifywait', ['-m', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.once('exit', (code) => reject(new Error(`inotifywait exited ${code}: ${text}`)));
      child.stderr?.on('data', (d: Buffer) => (text += d) && /Watches established/.test(text) && resolve());
    });
    const resolver = new CgroupIdResolver({ labels: true });
    const index = new WatcherIndex({ identityOfPid: (pid) => resolver.identityOfPid(pid) });
    await index.refresh();
    const st = statSync(dir, { bigint: true });
    const walked = [{ dir: { dev: kernelDevOfUserDev(st.dev), ino: st.ino }, path: dir, children: { positive: 0, negative: 0, truncated: false }, walks: 1, walkSeconds: 0.001 }];
    const list = () => assembleDiagnosis({ walked: () => walked, creators: NO_CREATORS, watchers: index, cgroups: resolver }, { directories: 20, perList: 10, paths: true });
    const server = await startServer({ directories: { list } });
    try {
      const body = (await (await fetch(`${server.url}/api/v1/directories`)).json()) as DirectoryDiagnosis[];
      assert.equal(body.length, 1);
      const [d] = body;
      assert.equal(d?.path, dir);
      assert.equal(d?.inode, String(st.ino));
      const w = d?.watchers.find((x) => x.pid === child.pid);
      assert.ok(w, JSON.stringify(d?.watchers));
      assert.equal(w.comm, 'inotifywait');
      assert.equal(w.api, 'inotify');
      // the cgroup the kernel has for it, as /proc says (the resolver read it, not this test)
      const own = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
      if (own) assert.equal(w.cgroup, own);
      assert.equal('dentry_creations' in d!, false);
      assert.deepEqual(d?.negative_creators, []);
    } finally {
      await server.app.close();
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
