// The real daemon on this machine's kernel (6.18 without kprobes; fentry refused): it must serve,
// say why the walk probes are missing, count what the tracepoints see, and leave nothing behind.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ALL_METRICS } from '../../src/collect/catalog.js';
import { ourLinks, ourPrograms, startDaemon, type Daemon } from './harness.js';

let d: Daemon;
const scrape = async () => (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

before(async () => {
  assert.deepEqual(ourPrograms(), [], 'programs of ours are loaded before the test: a previous run leaked');
  d = await startDaemon();
});

after(async () => {
  if (d.child.exitCode === null) d.child.kill('SIGKILL');
});

test('/readyz is 503 and says the walk probes are missing and why', async () => {
  const r = await fetch(`http://127.0.0.1:${d.port}/readyz`);
  assert.equal(r.status, 503);
  const body = (await r.json()) as { ready: boolean; reasons: string[] };
  assert.equal(body.ready, false);
  assert.ok(body.reasons.some((x) => x.includes('walk_entry') && x.includes('no kprobes')), body.reasons.join('; '));
  assert.equal((await fetch(`http://127.0.0.1:${d.port}/healthz`)).status, 200);
});

test('/metrics has every metric of the catalogue and passes promtool check metrics', async () => {
  const body = await scrape();
  for (const m of ALL_METRICS) assert.ok(body.includes(`# TYPE ${m.name} ${m.type}`), `missing ${m.name}`);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('probe metrics: walk probes not attached, lock waits fall back to the contention tracepoints', async () => {
  const body = await scrape();
  assert.equal(sample(body, 'fsnotify_exporter_probe_attached{probe="walk_entry",mechanism="kprobe"}'), 0);
  assert.equal(sample(body, 'fsnotify_exporter_probe_attached{probe="walk_exit",mechanism="kretprobe"}'), 0);
  assert.equal(sample(body, 'fsnotify_exporter_probe_attached{probe="lock_wait_entry",mechanism="tracepoint"}'), 1);
  assert.equal(sample(body, 'fsnotify_exporter_lock_wait_mechanism{mechanism="contention_tracepoint"}'), 1);
  assert.match(d.stdout(), /probe walk_entry: not attached .*no kprobes/);
  assert.match(d.stdout(), /lock waits measured with: contention_tracepoint/);
});

test('the watch tracepoints count real inotify_add_watch and inotify_rm_watch calls', async () => {
  const before = await scrape();
  const dir = mkdtempSync(join(tmpdir(), 'watch-'));
  for (let i = 0; i < 3; i++) execFileSync('python3', ['test/e2e/workloads/fsload.py', 'watch', dir]);
  const now = await scrape();
  const delta = (s: string) => (sample(now, s) ?? 0) - (sample(before, s) ?? 0);
  assert.equal(delta('fsnotify_watch_changes_total{api="inotify",op="add"}'), 3);
  assert.equal(delta('fsnotify_watch_changes_total{api="inotify",op="remove"}'), 3);
});

test('the contention tracepoint program runs under a lock-heavy load', async () => {
  const before = sample(await scrape(), 'fsnotify_exporter_lock_probe_calls_total{result="filtered_out"}') ?? 0;
  // four processes creating and removing entries in one directory contend on its i_rwsem
  const dir = mkdtempSync(join(tmpdir(), 'contend-'));
  const script = `import os,sys\nd=sys.argv[1]\nfor p in range(4):\n  if os.fork()==0:\n    for i in range(3000):\n      n=f"{d}/{p}-{i}"\n      os.mkdir(n); os.rmdir(n)\n    os._exit(0)\nfor p in range(4): os.wait()\n`;
  writeFileSync(join(dir, 'load.py'), script);
  execFileSync('python3', [join(dir, 'load.py'), dir]);
  const now = sample(await scrape(), 'fsnotify_exporter_lock_probe_calls_total{result="filtered_out"}') ?? 0;
  assert.ok(now > before, `contention_begin ran ${now - before} times`);
});

test('landing page and slow-walk API', async () => {
  const page = await (await fetch(`http://127.0.0.1:${d.port}/`)).text();
  for (const link of ['/metrics', '/healthz', '/readyz', '/api/v1/slow-walks']) assert.ok(page.includes(`href="${link}"`), link);
  const r = await fetch(`http://127.0.0.1:${d.port}/api/v1/slow-walks?limit=5`);
  assert.deepEqual(await r.json(), { events: [] });
  assert.equal((await fetch(`http://127.0.0.1:${d.port}/api/v1/slow-walks?limit=0`)).status, 400);
  assert.equal((await fetch(`http://127.0.0.1:${d.port}/api/v1/slow-walks?limit=x`)).status, 400);
});

test('SIGTERM: exit 0 and nothing of ours left loaded or linked', async () => {
  assert.ok(ourPrograms().length > 0, 'the daemon should have programs loaded while it runs');
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  assert.deepEqual(ourPrograms(), []);
  assert.deepEqual(ourLinks(), []);
});
