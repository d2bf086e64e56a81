// The diagnosis join: walked top-K + creators + watchers + churn + stalled, then the filling
// directories nobody walked; bounded, largest first; creators off says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout, encodeDirKey } from '../../src/bpf/abi.js';
import { assembleDiagnosis } from '../../src/diagnosis/assemble.js';
import { walkedDirectories } from '../../src/diagnosis/walked.js';
import { dirTableOf } from '../../src/collect/top-directories.js';
import { CONTAINER_ID, POD_UID, creatorSource, dev, sources } from './fixture.js';

const LIMITS = { directories: 20, perList: 10, paths: true };

test('a walked directory joined with its creators (largest first, cgroups resolved), watchers, churn and stalled workloads', () => {
  const [cache, units, pip, ...rest] = assembleDiagnosis(sources(), LIMITS);
  assert.deepEqual(rest, []);
  assert.deepEqual(cache, {
    device: '8:1',
    inode: '1310721',
    path: '/var/lib/app/cache',
    children: { positive: 1204, negative: 4213377, truncated: false },
    walks: 37,
    walk_seconds: 18.4,
    dentry_creations: { positive: 1311, negative: 3982618 },
    negative_creators: [
      { comm: 'cache-janitor', tgid: 48213, count: 3981207, cgroup: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER_ID}.scope`, pod_uid: POD_UID, container_id: CONTAINER_ID },
      { comm: 'python3', tgid: 991, count: 1411, cgroup: '/system.slice/backup.service', unit: 'backup.service' },
    ],
    watchers: [
      { pid: 2231, comm: 'syncthing', cgroup: '/system.slice/syncthing.service', unit: 'syncthing.service', api: 'inotify', mask: '0xfce', since: '2026-11-30T09:12:44.000Z' },
      { pid: 3310, comm: 'falcon-sensor', cgroup: '/system.slice/falcon-sensor.service', unit: 'falcon-sensor.service', api: 'fanotify', mask: '0x1000003b', since: '2026-11-30T09:13:02.000Z' },
    ],
    watch_changes: [{ comm: 'inotifywait', cgroup: '/user.slice/user-1000.slice/session-4.scope', adds: 412, removes: 411 }],
    stalled: [{ cgroup: '/system.slice/api-gateway.service', unit: 'api-gateway.service', lock_wait_seconds: 3.217 }],
  });
  assert.equal(units?.path, '/etc/systemd/system');
  assert.deepEqual(units?.negative_creators, []);
  assert.deepEqual(units?.dentry_creations, { positive: 0, negative: 0 }, 'counted, none there: 0, not absent');
  // the filling directory nobody walked comes after the walked ones, children unknown
  assert.deepEqual(pip, {
    device: '259:3',
    inode: '5505027',
    path: '/home/ci/.cache/pip/http',
    children: { positive: 0, negative: 0, truncated: false },
    walks: 0,
    walk_seconds: 0,
    dentry_creations: { positive: 17, negative: 912345 },
    negative_creators: [{ comm: 'pip', tgid: 5120, count: 912345, cgroup: '/user.slice/user-1000.slice/session-4.scope', unit: 'session-4.scope' }],
    watchers: [],
    watch_changes: [],
    stalled: [],
  });
});

test('bounded: at most `directories` walked plus as many filling, at most `perList` per list, whatever the sources return', () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ comm: `c${i}`, tgid: i, cgroupId: 0n, count: i }));
  const out = assembleDiagnosis(
    sources({
      creators: { ...creatorSource(), negativeCreators: () => many, churn: () => many.map((c) => ({ ...c, adds: c.count, removes: 1 })), stalled: () => many.map((c) => ({ cgroupId: 0n, lockWaitNs: c.count })) },
      watchers: { watchersOf: () => many.map((c) => ({ pid: c.tgid, comm: c.comm, cgroup: '', api: 'inotify' as const, mask: '0x2', since: `2026-11-30T09:${String(59 - c.tgid).padStart(2, '0')}:00.000Z` })) },
    }),
    { directories: 1, perList: 3, paths: true },
  );
  assert.equal(out.length, 2, 'one walked, one filling not walked (the walked cache is not listed twice)');
  const [first] = out;
  assert.deepEqual(first?.negative_creators.map((c) => c.count), [49, 48, 47]);
  assert.deepEqual(first?.watch_changes.map((c) => c.adds), [49, 48, 47]);
  assert.deepEqual(first?.stalled.map((w) => w.lock_wait_seconds), [49e-9, 48e-9, 47e-9]);
  assert.deepEqual(first?.watchers.map((w) => w.pid), [49, 48, 47], 'the oldest marks');
  assert.equal(first?.negative_creators[0]?.cgroup, '', 'unknown cgroup: empty, no pod/container/unit keys');
  assert.deepEqual(Object.keys(first?.negative_creators[0] ?? {}).sort(), ['cgroup', 'comm', 'count', 'tgid']);
  assert.deepEqual(assembleDiagnosis(sources(), { directories: 0, perList: 0, paths: true }), []);
});

test('creators off: empty creator lists, no dentry_creations, no filling directories; watchers still there', () => {
  const out = assembleDiagnosis(sources({ creators: creatorSource(false) }), LIMITS);
  assert.deepEqual(out.map((d) => d.path), ['/var/lib/app/cache', '/etc/systemd/system']);
  for (const d of out) {
    assert.deepEqual(d.negative_creators, []);
    assert.equal('dentry_creations' in d, false);
  }
  assert.equal(out[0]?.watchers.length, 2);
});

test('--no-path-labels: paths are empty, devices and inodes stay', () => {
  const out = assembleDiagnosis(sources(), { ...LIMITS, paths: false });
  assert.deepEqual(out.map((d) => [d.path, d.device, d.inode]), [['', '8:1', '1310721'], ['', '8:1', '262146'], ['', '259:3', '5505027']]);
});

test('walkedDirectories decodes the top-K cut of dir_stats, most walk time first', () => {
  const L = Layout.dirStats;
  const rec = (ino: number, walks: number, walkNs: bigint, pos: number, neg: number, truncated: boolean, path: string) => {
    const v = Buffer.alloc(L.size);
    v.writeBigUInt64LE(BigInt(walks), L.walks);
    v.writeBigUInt64LE(walkNs, L.walkNs);
    v.writeBigUInt64LE(BigInt(pos), L.children);
    v.writeBigUInt64LE(BigInt(neg), L.children + 8);
    v.writeUInt8(truncated ? 1 : 0, L.truncated);
    v.write(path, L.path);
    return { key: encodeDirKey({ ino: BigInt(ino), dev: dev(8, 1) }), value: v };
  };
  const dirs = dirTableOf([rec(10, 2, 5_000_000n, 3, 4, false, '/small'), rec(11, 0, 0n, 0, 0, false, '/never'), rec(12, 9, 2_500_000_000n, 7, 1048576, true, '/huge')]);
  assert.deepEqual(walkedDirectories({ dirs }, 5), [
    { dir: { dev: dev(8, 1), ino: 12n }, path: '/huge', children: { positive: 7, negative: 1048576, truncated: true }, walks: 9, walkSeconds: 2.5 },
    { dir: { dev: dev(8, 1), ino: 10n }, path: '/small', children: { positive: 3, negative: 4, truncated: false }, walks: 2, walkSeconds: 0.005 },
  ]);
  assert.equal(walkedDirectories({ dirs }, 1).length, 1);
});
