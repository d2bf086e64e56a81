// The watchers and cgroups collectors over a real /proc scan and a real cgroup2 walk, rendered by
// the exposition the /metrics route serves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseProm } from '../../harness/prom-text.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { cgroups } from '../../src/collect/collectors/cgroups.js';
import { watchers } from '../../src/collect/collectors/watchers.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { CgroupIdResolver } from '../../src/kernel/cgroup/resolver.js';
import { WatcherIndex } from '../../src/kernel/watcher-index.js';

test('watcher scans, marks, drops and cgroup lookups as metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-coll-'));
  const child = spawn('inotifywait', ['-m', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => /Watches established/.test(String(d)) && resolve()));
    const resolver = new CgroupIdResolver({ labels: true });
    const index = new WatcherIndex({ identityOfPid: (pid) => resolver.identityOfPid(pid), maxMarks: 0 });
    await index.refresh();
    await index.refresh();
    if (resolver.mountPoint) {
      resolver.resolve(statSync(resolver.mountPoint, { bigint: true }).ino);
      resolver.resolve(statSync(resolver.mountPoint, { bigint: true }).ino);
    }
    const exposition = new Exposition();
    registerCollectors(exposition, { watcherIndex: index, cgroups: resolver } as unknown as CollectorContext, [watchers, cgroups]);
    const m = parseProm((await exposition.metrics()).toString());
    assert.equal(m.get('fsnotify_exporter_watcher_scans_total'), 2);
    assert.equal(m.get('fsnotify_exporter_watcher_holder_checks_total'), 0, 'refresh() scans; only start() checks holders');
    assert.equal(m.get('fsnotify_exporter_watcher_marks'), 0, 'a budget of 0 keeps nothing');
    assert.ok((m.get('fsnotify_exporter_watcher_marks_dropped_total') ?? 0) >= 2, "inotifywait's mark, dropped at both scans");
    assert.ok((m.get('fsnotify_exporter_watcher_scan_seconds') ?? 0) > 0);
    if (resolver.mountPoint) {
      assert.equal(m.get('fsnotify_exporter_cgroup_lookups_total{result="miss"}'), 1);
      assert.equal(m.get('fsnotify_exporter_cgroup_lookups_total{result="hit"}'), 1);
      assert.equal(m.get('fsnotify_exporter_cgroup_rescans_total'), 1);
      assert.equal(m.get('fsnotify_exporter_cgroup_unresolved_total'), 0);
    }

    // not running (not wired, or off): the families are declared, without samples
    const idle = new Exposition();
    registerCollectors(idle, {} as CollectorContext, [watchers]);
    const text = (await idle.metrics()).toString();
    assert.match(text, /^# TYPE fsnotify_exporter_watcher_scans_total counter$/m);
    assert.doesNotMatch(text, /^fsnotify_exporter_watcher_scans_total /m);
  } finally {
    child.kill('SIGKILL');
  }
});
