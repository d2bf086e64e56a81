// The host-side cost of the watcher scan and the cgroup walk (issue 16): N extra processes, W of
// them holding an inotify watch, and C extra cgroups; the scan's wall and busy time and the walk's
// time, three times each. No guest, no BPF: `npm run bench` calls it, or `node dist/bench/proc-scan.js [N] [W] [C]` as root.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CgroupIdResolver } from '../src/kernel/cgroup/resolver.js';
import { WatcherIndex } from '../src/kernel/watcher-index.js';

export interface ProcScanBench {
  processes: number;
  watchers: number;
  scans: Array<{ processes: number; marks: number; wallMs: number; busyMs: number }>;
  cgroupWalks: Array<{ cgroups: number; ms: number }>;
}

export async function procScanCost(n = 500, w = 100, c = 2000): Promise<ProcScanBench> {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fsx-bench-'));
  const resolver = new CgroupIdResolver({ labels: true });
  const slice = resolver.mountPoint ? join(resolver.mountPoint, `fsx-bench-${process.pid}.slice`) : undefined;
  const out: ProcScanBench = { processes: n, watchers: w, scans: [], cgroupWalks: [] };
  try {
    for (let i = 0; i < n; i++) children.push(spawn(i < w ? 'inotifywait' : 'sleep', i < w ? ['-m', '-q', dir] : ['600'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 1500)); // every inotifywait has made its watch by then
    const index = new WatcherIndex({ identityOfPid: (pid) => resolver.identityOfPid(pid) });
    for (let i = 0; i < 3; i++) {
      await index.refresh();
      const s = index.stats;
      out.scans.push({ processes: s.lastScanProcesses, marks: s.marks, wallMs: s.lastScanSeconds * 1e3, busyMs: s.lastScanBusySeconds * 1e3 });
    }
    if (slice) {
      for (let i = 0; i < c; i++) mkdirSync(join(slice, `s${i}.scope`), { recursive: true });
      for (let i = 0; i < 3; i++) {
        resolver.rescan();
        out.cgroupWalks.push({ cgroups: resolver.stats.indexed, ms: resolver.stats.lastRescanSeconds * 1e3 });
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
    rmdirSync(dir);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await procScanCost(...process.argv.slice(2).map(Number));
  for (const s of r.scans) console.log(`watcher scan: ${s.processes} processes, ${s.marks} marks: ${s.wallMs.toFixed(1)} ms wall, ${s.busyMs.toFixed(1)} ms busy`);
  for (const c of r.cgroupWalks) console.log(`cgroup walk: ${c.cgroups} cgroups: ${c.ms.toFixed(1)} ms`);
}
