// The host-side cost of the watcher scan and the cgroup walk (issue 16): N extra processes, W of
// them holding an inotify watch, and C extra cgroups; prints the scan's wall and busy time and the
// walk's time. No guest, no BPF: `node dist/bench/proc-scan.js [N] [W] [C]` as root.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupIdResolver } from '../src/kernel/cgroup/resolver.js';
import { WatcherIndex } from '../src/kernel/watcher-index.js';

const [n = 500, w = 100, c = 2000] = process.argv.slice(2).map(Number);
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fsx-bench-'));
const resolver = new CgroupIdResolver({ labels: true });
const slice = resolver.mountPoint ? join(resolver.mountPoint, `fsx-bench-${process.pid}.slice`) : undefined;
try {
  for (let i = 0; i < n; i++) children.push(spawn(i < w ? 'inotifywait' : 'sleep', i < w ? ['-m', '-q', dir] : ['600'], { stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 1500));
  const index = new WatcherIndex({ identityOfPid: (pid) => resolver.identityOfPid(pid) });
  for (let i = 0; i < 3; i++) {
    await index.refresh();
    const s = index.stats;
    console.log(`watcher scan: ${s.lastScanProcesses} processes, ${s.marks} marks: ${(s.lastScanSeconds * 1e3).toFixed(1)} ms wall, ${(s.lastScanBusySeconds * 1e3).toFixed(1)} ms busy`);
  }
  if (slice) {
    for (let i = 0; i < c; i++) mkdirSync(join(slice, `s${i}.scope`), { recursive: true });
    for (let i = 0; i < 3; i++) {
      resolver.rescan();
      console.log(`cgroup walk: ${resolver.stats.indexed} cgroups: ${(resolver.stats.lastRescanSeconds * 1e3).toFixed(1)} ms`);
    }
  }
} finally {
  for (const ch of children) ch.kill('SIGKILL');
  if (slice) {
    for (let i = 0; i < c; i++) {
      try {
        rmdirSync(join(slice, `s${i}.scope`));
      } catch {
        // not made
      }
    }
    rmdirSync(slice);
  }
}
