// The watchers gauge and the creations counter from the diagnosis, scraped through the real
// Exposition and checked by promtool: bounded to the diagnosed directories, every mark counted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseProm } from '../../harness/prom-text.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { dentryCreations } from '../../src/collect/collectors/dentry-creations.js';
import { directoryWatchers } from '../../src/collect/collectors/directory-watchers.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { directoryCounts, type DiagnosisSources } from '../../src/diagnosis/assemble.js';
import type { Watcher } from '../../src/diagnosis/model.js';
import { CACHE, creatorSource, sources } from '../diagnosis/fixture.js';

async function scrape(s: DiagnosisSources, pathLabels = true, perList = 10): Promise<string> {
  const exposition = new Exposition();
  const ctx = { pathLabels, directoryCounts: () => directoryCounts(s, { directories: 20, perList, paths: pathLabels }) } as unknown as CollectorContext;
  registerCollectors(exposition, ctx, [directoryWatchers, dentryCreations]);
  return String(await exposition.metrics());
}

const CACHE_LABELS = 'device="8:1",inode="1310721",path="/var/lib/app/cache"';

test('watchers by api and creations by kind for each diagnosed directory; promtool accepts the text', async () => {
  const body = await scrape(sources());
  const m = parseProm(body);
  assert.equal(m.get(`fsnotify_directory_watchers{${CACHE_LABELS},api="inotify"}`), 1);
  assert.equal(m.get(`fsnotify_directory_watchers{${CACHE_LABELS},api="fanotify"}`), 1);
  assert.equal(m.get('fsnotify_directory_watchers{device="8:1",inode="262146",path="/etc/systemd/system",api="inotify"}'), 0);
  assert.equal(m.get(`fsnotify_directory_dentry_creations_total{${CACHE_LABELS},kind="negative"}`), 3982618);
  assert.equal(m.get(`fsnotify_directory_dentry_creations_total{${CACHE_LABELS},kind="positive"}`), 1311);
  assert.equal(m.get('fsnotify_directory_dentry_creations_total{device="259:3",inode="5505027",path="/home/ci/.cache/pip/http",kind="negative"}'), 912345);
  assert.equal([...m.keys()].filter((k) => k.startsWith('fsnotify_directory_watchers{')).length, 3 * 2, 'two walked + one filling, two apis');
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every mark counts, not just the API list\'s first perList', async () => {
  const many: Watcher[] = Array.from({ length: 25 }, (_, i) => ({ pid: 100 + i, comm: 'w', cgroup: '', api: 'inotify', mask: '0x2', since: '2026-11-30T00:00:00.000Z' }));
  const s = sources({ watchers: { watchersOf: (d) => (d.ino === CACHE.ino ? many : []) } });
  const m = parseProm(await scrape(s, true, 3));
  assert.equal(m.get(`fsnotify_directory_watchers{${CACHE_LABELS},api="inotify"}`), 25);
});

test('creators off: no creation series (absent, not zero), the watchers gauge stays', async () => {
  const m = parseProm(await scrape(sources({ creators: creatorSource(false) })));
  assert.equal([...m.keys()].filter((k) => k.startsWith('fsnotify_directory_dentry_creations_total')).length, 0);
  assert.equal(m.get(`fsnotify_directory_watchers{${CACHE_LABELS},api="fanotify"}`), 1);
});

test('--no-path-labels: no path label; no provider wired: the families are empty', async () => {
  const body = await scrape(sources(), false);
  assert.doesNotMatch(body, /path=/);
  assert.match(body, /^fsnotify_directory_watchers\{device="8:1",inode="1310721",api="inotify"\} 1$/m);
  const exposition = new Exposition();
  registerCollectors(exposition, { pathLabels: true } as unknown as CollectorContext, [directoryWatchers, dentryCreations]);
  const empty = String(await exposition.metrics());
  assert.match(empty, /# TYPE fsnotify_directory_watchers gauge\n/);
  assert.doesNotMatch(empty, /^fsnotify_directory_watchers\{/m);
});
