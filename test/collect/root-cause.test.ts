// The root-cause maps as user space reads them: raw entries laid out as bpf/fsnotify.h says,
// through the snapshot, the CreatorSource and the three collectors' exposition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProm, sum } from '../../harness/prom-text.js';
import { COMM_LEN, encodeDirKey, Layout, PATH_LEN, type DirKey } from '../../src/bpf/abi.js';
import { METRICS } from '../../src/collect/catalog.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { cgroupWaits } from '../../src/collect/collectors/cgroup-waits.js';
import { creators } from '../../src/collect/collectors/creators.js';
import { watchChurn } from '../../src/collect/collectors/watch-churn.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { BpfCreatorSource } from '../../src/collect/root-cause.js';
import { SnapshotCache, type BpfMapsReader } from '../../src/collect/snapshot.js';
import { directoryCounts } from '../../src/diagnosis/assemble.js';
import { walkedDirectories } from '../../src/diagnosis/walked.js';

const WALKED: DirKey = { dev: (8 << 20) | 1, ino: 1234n };
const FILLING: DirKey = { dev: (8 << 20) | 1, ino: 99n };
const QUIET: DirKey = { dev: (8 << 20) | 1, ino: 7n };

function creations(positive: number, negative: number, path: string): Buffer {
  const b = Buffer.alloc(Layout.dirCreations.size);
  b.writeBigUInt64LE(BigInt(positive), Layout.dirCreations.created);
  b.writeBigUInt64LE(BigInt(negative), Layout.dirCreations.created + 8);
  b.write(path, Layout.dirCreations.path, PATH_LEN - 1);
  return b;
}

function actor(dir: DirKey, cgroupId: bigint, comm: string): Buffer {
  const b = Buffer.alloc(Layout.dirActorKey.size);
  encodeDirKey(dir).copy(b, Layout.dirActorKey.dir);
  b.writeBigUInt64LE(cgroupId, Layout.dirActorKey.cgroupId);
  b.write(comm, Layout.dirActorKey.comm, COMM_LEN - 1);
  return b;
}

const u64s = (...v: number[]) => {
  const b = Buffer.alloc(v.length * 8);
  v.forEach((x, i) => b.writeBigUInt64LE(BigInt(x), i * 8));
  return b;
};

function creator(positive: number, negative: number, tgid: number): Buffer {
  const b = Buffer.alloc(Layout.dirCreator.size);
  u64s(positive, negative).copy(b, 0);
  b.writeUInt32LE(tgid, Layout.dirCreator.tgid);
  return b;
}

function dirStats(walkNs: number, path: string): Buffer {
  const b = Buffer.alloc(Layout.dirStats.size);
  b.writeBigUInt64LE(1n, Layout.dirStats.walks);
  b.writeBigUInt64LE(BigInt(walkNs), Layout.dirStats.walkNs);
  b.write(path, Layout.dirStats.path);
  return b;
}

const MAPS: Record<string, Array<[Buffer, Buffer]>> = {
  dir_stats: [[encodeDirKey(WALKED), dirStats(5e9, '/var/spool/huge')]],
  dir_creations: [
    [encodeDirKey(WALKED), creations(3, 3517, '/var/spool/huge')],
    [encodeDirKey(FILLING), creations(0, 800, '/tmp/filling')],
    [encodeDirKey(QUIET), creations(2, 1, '/etc')],
  ],
  dir_creators: [
    [actor(WALKED, 55n, 'negfill'), creator(0, 3517, 4242)],
    [actor(WALKED, 1n, 'bash'), creator(3, 0, 10)],
    [actor(FILLING, 1n, 'tmpfill'), creator(0, 800, 11)],
  ],
  watch_churn: [
    [actor(WALKED, 1n, 'inotifywait'), u64s(40, 39)],
    [actor(FILLING, 1n, 'inotifywait'), u64s(2, 2)],
    [actor(WALKED, 9n, 'syncd'), u64s(1, 0)],
  ],
  cgroup_waits: [
    [actor(WALKED, 77n, ''), u64s(2_500_000_000)],
    [actor(WALKED, 78n, ''), u64s(500_000_000)],
  ],
};

const reader: BpfMapsReader = { perCpuArraySums: () => [], entries: (name) => MAPS[name] ?? [], capacity: () => 0 };

test('CreatorSource: creations, creators largest first, churn, stalled cgroups, filling directories', () => {
  const src = new BpfCreatorSource(new SnapshotCache(reader), () => true);
  assert.equal(src.enabled, true);
  assert.deepEqual(src.creations(WALKED), { positive: 3, negative: 3517 });
  assert.equal(src.creations({ dev: 1, ino: 1n }), undefined);
  assert.deepEqual(src.negativeCreators(WALKED, 5), [{ comm: 'negfill', tgid: 4242, cgroupId: 55n, count: 3517 }], 'bash created no negative dentry');
  assert.deepEqual(src.churn(WALKED, 1), [{ comm: 'inotifywait', cgroupId: 1n, adds: 40, removes: 39 }]);
  assert.deepEqual(src.stalled(WALKED, 5), [
    { cgroupId: 77n, lockWaitNs: 2_500_000_000 },
    { cgroupId: 78n, lockWaitNs: 500_000_000 },
  ]);
  assert.deepEqual(
    src.filling(2).map((f) => [f.path, f.negative]),
    [
      ['/var/spool/huge', 3517],
      ['/tmp/filling', 800],
    ],
  );
  assert.equal(new BpfCreatorSource(new SnapshotCache(reader), () => false).enabled, false);
});

const cgroups = { resolve: (id: bigint) => ({ cgroup: `cg${id}` }) };

/** The diagnosis's directories over the fixture maps, as instrument.ts builds them (no watchers). */
function counts(maps: SnapshotCache, k: number, paths: boolean) {
  const sources = { walked: () => walkedDirectories(maps.get(), k), creators: new BpfCreatorSource(maps, () => true), watchers: { watchersOf: () => [] }, cgroups };
  return directoryCounts(sources, { directories: k, perList: 10, paths });
}

async function scrape(pathLabels: boolean, k: number) {
  const exposition = new Exposition();
  const maps = new SnapshotCache(reader);
  const ctx = { maps, topDirectories: k, pathLabels, cgroups, directoryCounts: () => counts(maps, k, pathLabels) } as unknown as CollectorContext;
  registerCollectors(exposition, ctx, [creators, watchChurn, cgroupWaits]);
  const text = (await exposition.metrics()).toString();
  return { text, m: parseProm(text) };
}

test('metrics: top-K walked plus top-K filling directories, their creators, churn per process, waits per cgroup', async () => {
  const { m, text } = await scrape(true, 1);
  // K=1: the walked one, then the one filling fastest among the rest; /etc is neither
  const dirs = counts(new SnapshotCache(reader), 1, true);
  assert.deepEqual(dirs.map((d) => [d.path, d.dentry_creations?.negative]), [['/var/spool/huge', 3517], ['/tmp/filling', 800]]);
  assert.equal(sum(m, METRICS.directoryDentryCreators.name, { inode: '99', comm: 'tmpfill', kind: 'negative' }), 800, 'the filling directory has its creators too');
  assert.doesNotMatch(text, /inode="7"/);
  assert.equal(sum(m, METRICS.directoryDentryCreators.name, { inode: '1234', comm: 'negfill', cgroup: 'cg55', kind: 'negative' }), 3517);
  assert.equal(sum(m, METRICS.watchChangesByProcess.name, { comm: 'inotifywait', cgroup: 'cg1', op: 'add' }), 42, 'summed over directories');
  assert.equal(sum(m, METRICS.watchChangesByProcess.name, { comm: 'syncd', op: 'remove' }), 0);
  assert.equal(sum(m, METRICS.directoryLockWaitByCgroup.name, { inode: '1234', cgroup: 'cg77' }), 2.5);
});

test('--no-path-labels: no path label on the root-cause series', async () => {
  const { text } = await scrape(false, 20);
  assert.match(text, /fsnotify_directory_dentry_creators_total\{/);
  assert.doesNotMatch(text, /path="/);
});

test('a root-cause map no attached program writes is not read, and counts as empty', () => {
  const read: string[] = [];
  const counting: BpfMapsReader = { ...reader, entries: (name) => (read.push(name), reader.entries(name)) };
  const s = new SnapshotCache(counting, undefined, (name) => name === 'watch_churn').get();
  assert.deepEqual(read.filter((n) => ['dir_creations', 'dir_creators', 'watch_churn', 'cgroup_waits'].includes(n)), ['watch_churn']);
  assert.equal(s.rootCause.watch_churn.length, 3);
  assert.deepEqual([s.rootCause.dir_creators.length, s.mapEntries.get('dir_creators'), s.mapEntries.get('cgroup_waits')], [0, 0, 0]);
});
