// The real daemon on this machine's kernel (6.18 without kprobes; fentry refused): it must serve,
// say why the walk probes are missing, count what the tracepoints see, and leave nothing behind.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseProm, sum } from '../../harness/prom-text.js';
import { ALL_METRICS } from '../../src/collect/catalog.js';
import { COLLECTORS } from '../../src/collect/registry.js';
import { ourLinks, leftPrograms, ourPrograms, sleep, startDaemon, type Daemon } from '../../harness/daemon.js';

let d: Daemon;
const scrape = async () => (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

before(async () => {
  assert.deepEqual(leftPrograms(), [], 'programs of ours are loaded before the test: a previous run leaked');
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

test('/metrics passes promtool check metrics and has every metric of the catalogue', async () => {
  const body = await scrape();
  for (const m of ALL_METRICS) assert.ok(body.includes(`# TYPE ${m.name} ${m.type}\n`), `missing ${m.name}`);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('/metrics values: this kernel, this build, the maps\' capacities, no walks, every collector succeeded', async () => {
  const m = parseProm(await scrape());
  // what the kernel is, read here without the daemon's code
  const kallsyms = readFileSync('/proc/kallsyms', 'utf8');
  const walkFunction = ['fsnotify_set_children_dentry_flags', '__fsnotify_update_child_dentry_flags'].find((f) => new RegExp(` [Tt] ${f}$`, 'm').test(kallsyms));
  const childList = readFileSync('/sys/kernel/btf/vmlinux').includes('\0d_children\0') ? 'd_children' : 'd_subdirs';
  const kernelInfo = `fsnotify_kernel_info{release="${release()}",arch="${arch()}",walk_function="${walkFunction}",child_list="${childList}",lazy_clear="${walkFunction === 'fsnotify_set_children_dentry_flags'}"}`;
  assert.equal(m.get(kernelInfo), 1, [...m.keys()].filter((k) => k.startsWith('fsnotify_kernel_info')).join(' '));
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  assert.equal(sum(m, 'fsnotify_exporter_build_info', { version, nodejs: process.version, arch: arch() }), 1);
  const proc = (f: string) => Number(readFileSync(`/proc/sys/kernel/${f}`, 'utf8'));
  assert.equal(m.get('fsnotify_softlockup_threshold_seconds'), proc('watchdog') === 0 ? 20 : 2 * proc('watchdog_thresh'));
  assert.equal(m.get('fsnotify_exporter_map_capacity{map="dir_stats"}'), 10_240);
  assert.equal(m.get('fsnotify_exporter_map_capacity{map="events"}'), 256 * 1024);
  assert.ok(sum(m, 'fsnotify_dcache_dentries', { state: 'total' }) >= sum(m, 'fsnotify_dcache_dentries', { state: 'unused' }));
  assert.ok(sum(m, 'fsnotify_dcache_dentries', { state: 'negative' }) > 0);
  // without walk probes nothing walks; the duration histogram still has its buckets, from 1.024 µs
  assert.equal(m.get('fsnotify_walks_total{trigger="watch_change"}'), 0);
  assert.equal(m.get('fsnotify_walks_total{trigger="parent_event"}'), 0);
  assert.equal(m.get('fsnotify_walk_duration_seconds_bucket{trigger="watch_change",le="0.000001024"}'), 0);
  assert.equal(m.get('fsnotify_walk_duration_seconds_bucket{trigger="watch_change",le="+Inf"}'), 0);
  assert.equal(m.get('fsnotify_softlockups_total{in_walk="true"}'), 0);
  assert.equal(m.get('fsnotify_softlockups_total{in_walk="false"}'), 0);
  for (const c of COLLECTORS) {
    assert.equal(m.get(`fsnotify_exporter_collector_success{collector="${c.name}"}`), 1, c.name);
    assert.ok((m.get(`fsnotify_exporter_collector_duration_seconds{collector="${c.name}"}`) ?? -1) >= 0, c.name);
  }
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

const capLine = (pid: number, field: string) => BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]}`);
async function waitFor(text: () => string, re: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !re.test(text()); i++) await sleep(100);
}

test('after attaching, the main thread holds only CAP_SYS_PTRACE (the watchers), and the maps are still read (6.18: fd commands need none)', async () => {
  await waitFor(d.stdout, /capabilities dropped after attaching/);
  const log = d.stdout().split('\n').find((l) => l.includes('capabilities dropped after attaching'));
  assert.ok(log, 'no capabilities log line');
  const entry = JSON.parse(log) as { kept: string[]; dropped: string[] };
  assert.deepEqual(entry.kept, ['CAP_SYS_PTRACE']);
  for (const cap of ['CAP_BPF', 'CAP_PERFMON', 'CAP_SYSLOG', 'CAP_SYS_ADMIN']) assert.ok(entry.dropped.includes(cap), cap);
  const pid = d.child.pid!;
  assert.equal(capLine(pid, 'CapEff'), 1n << 19n);
  assert.equal(capLine(pid, 'CapPrm'), 1n << 19n);
  assert.equal(capLine(pid, 'CapAmb'), 0n);
  assert.equal(capLine(pid, 'CapBnd'), 1n << 19n, 'the bounding set is emptied too (but for what is kept) when we had CAP_SETPCAP');
});

test('--capabilities.keep keeps them', async () => {
  const k = await startDaemon(['--capabilities.keep']);
  try {
    await waitFor(k.stdout, /keeping every capability/);
    assert.match(k.stdout(), /--capabilities.keep: keeping every capability/);
    assert.notEqual(capLine(k.child.pid!, 'CapEff'), 0n);
  } finally {
    k.child.kill('SIGTERM');
    assert.equal(await k.exited, 0);
  }
});

/** the comm our own watch calls run under; bpftrace counts everyone else's */
const OWN_COMM = 'fsn-own-watch';
/** python: name itself OWN_COMM, then add and remove a watch on argv[1] `argv[2]` times */
const OWN_WATCHES = `import ctypes,sys\nsys.path.insert(0,'harness/workloads')\nctypes.CDLL(None).prctl(15,b'${OWN_COMM}',0,0,0)\nfrom fsload import inotify_add,inotify_rm\nfor _ in range(int(sys.argv[2])): inotify_rm(*inotify_add(sys.argv[1]))\n`;
const OTHERS = `tracepoint:syscalls:sys_enter_inotify_add_watch { @add[comm == "${OWN_COMM}"] = count(); } tracepoint:syscalls:sys_enter_inotify_rm_watch { @rm[comm == "${OWN_COMM}"] = count(); }`;

/**
 * The counters are host-wide and other work on this host adds watches too (388 instead of 3 once):
 * bpftrace counts everyone else's calls over a span that contains the two scrapes, so the daemon
 * must count ours exactly when nobody else called, and between ours and ours plus theirs always.
 */
test('the watch tracepoints count real inotify_add_watch and inotify_rm_watch calls', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-'));
  const ours = 3;
  const windows: Array<{ add: number; rm: number; otherAdds: number; otherRms: number }> = [];
  // until one window without anyone else's calls, at most 5
  for (let i = 0; i < 5 && !windows.some((w) => w.otherAdds + w.otherRms === 0); i++) {
    const bt = spawn('bpftrace', ['-e', OTHERS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    bt.stdout.on('data', (x) => (out += x));
    bt.stderr.on('data', (x) => (out += x));
    const exited = new Promise((r) => bt.once('exit', r));
    for (let t = 0; t < 300 && !out.includes('Attaching'); t++) await sleep(100);
    assert.match(out, /Attaching/, `bpftrace did not start: ${out}`);
    const before = await scrape();
    execFileSync('python3', ['-c', OWN_WATCHES, dir, String(ours)]);
    const now = await scrape();
    bt.kill('SIGINT');
    await exited;
    const delta = (s: string) => (sample(now, s) ?? 0) - (sample(before, s) ?? 0);
    // @add[1]: ours, as the kernel saw them; @add[0]: everyone else's
    const seen = (name: string, own: 0 | 1) => Number(new RegExp(`^@${name}\\[${own}\\]: (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
    assert.deepEqual([seen('add', 1), seen('rm', 1)], [ours, ours], `bpftrace did not see our calls: ${out}`);
    windows.push({ add: delta('fsnotify_watch_changes_total{api="inotify",op="add"}'), rm: delta('fsnotify_watch_changes_total{api="inotify",op="remove"}'), otherAdds: seen('add', 0), otherRms: seen('rm', 0) });
  }
  for (const w of windows) {
    assert.ok(w.add >= ours && w.add <= ours + w.otherAdds, JSON.stringify(w));
    assert.ok(w.rm >= ours && w.rm <= ours + w.otherRms, JSON.stringify(w));
  }
  const quiet = windows.find((w) => w.otherAdds + w.otherRms === 0);
  if (quiet) assert.deepEqual([quiet.add, quiet.rm], [ours, ours]);
  else process.stderr.write(`  watch tracepoints: no window without other processes' watch calls: ${JSON.stringify(windows)}\n`);
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
  assert.deepEqual(leftPrograms(), []);
  assert.deepEqual(ourLinks(), []);
});
