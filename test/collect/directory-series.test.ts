import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout, encodeDirKey } from '../../src/bpf/abi.js';
import { DirectorySeries } from '../../src/collect/directory-series.js';
import { TextSink } from '../../src/collect/exposition.js';
import { dirCount, dirTableOf, topDirectories, type DirRecord } from '../../src/collect/top-directories.js';

function dir(ino: number, walks: number, path: string): DirRecord {
  const L = Layout.dirStats;
  const raw = Buffer.alloc(L.size);
  raw.writeBigUInt64LE(BigInt(walks), L.walks);
  raw.writeBigUInt64LE(BigInt(walks * 1_000_000), L.walkNs);
  raw.writeBigUInt64LE(5n, L.children + 8);
  raw.write(path, L.path);
  return { key: encodeDirKey({ ino: BigInt(ino), dev: (8 << 20) | 1 }), value: raw };
}

function text(series: DirectorySeries, cut: ReturnType<DirectorySeries['select']>, metric: number): string {
  const out = new TextSink(0);
  series.write(metric, cut, out);
  return out.contents().toString('utf8');
}

test("a directory's line prefixes are built once and reused while it stays in the top K; values are read at every scrape", () => {
  const series = new DirectorySeries(true);
  const first = series.select([dir(1, 3, '/a'), dir(2, 1, '/b')]);
  assert.deepEqual(series.stats, { rendered: 2, reused: 0 });
  assert.equal(text(series, first, 0), 'fsnotify_directory_walks_total{device="8:1",inode="1",path="/a"} 3\nfsnotify_directory_walks_total{device="8:1",inode="2",path="/b"} 1\n');
  assert.equal(text(series, first, 1), 'fsnotify_directory_walk_seconds_total{device="8:1",inode="1",path="/a"} 0.003\nfsnotify_directory_walk_seconds_total{device="8:1",inode="2",path="/b"} 0.001\n');
  assert.equal(
    text(series, first, 3).split('\n')[1],
    'fsnotify_directory_children{device="8:1",inode="1",path="/a",kind="negative"} 5',
  );

  const again = series.select([dir(1, 3, '/a'), dir(2, 2, '/b')]); // /b walked once more
  assert.deepEqual(series.stats, { rendered: 2, reused: 2 });
  assert.match(text(series, again, 0), /inode="2",path="\/b"} 2\n$/);

  series.select([dir(2, 2, '/b')]); // /a left the top K: forgotten
  series.select([dir(1, 3, '/a')]);
  assert.deepEqual(series.stats, { rendered: 3, reused: 3 });
  // renamed: the path label follows
  const renamed = series.select([dir(1, 3, '/a2')]);
  assert.deepEqual(series.stats, { rendered: 4, reused: 3 });
  assert.match(text(series, renamed, 0), /path="\/a2"} 3\n$/);
});

test('values are written as String() writes them: seconds from nanoseconds, counters past 2^53', () => {
  const series = new DirectorySeries(false);
  const d = dir(7, 1, '/x');
  const L = Layout.dirStats;
  for (const ns of [0n, 1n, 999_999_999n, 1_000_000_000n, 1_500_000_000n, 123_456_789_012n, 2n ** 53n - 1n, 2n ** 60n]) {
    d.value.writeBigUInt64LE(ns, L.walkNs);
    d.value.writeBigUInt64LE(ns, L.walks);
    const cut = series.select([d]);
    const seconds = text(series, cut, 1).trim().split(' ')[1]!;
    assert.equal(Number(seconds), Number(ns) / 1e9, `${ns} ns as ${seconds}`);
    assert.equal(text(series, cut, 0), `fsnotify_directory_walks_total{device="8:1",inode="7"} ${String(Number(ns))}\n`);
  }
});

test('top K: the most walk time first, never-walked directories out, at most K', () => {
  const dirs = [dir(1, 2, '/a'), dir(2, 0, '/never'), dir(3, 7, '/c'), dir(4, 5, '/d')];
  const top = topDirectories(dirTableOf(dirs), 2);
  assert.deepEqual(top, [dirs[2], dirs[3]]);
  assert.equal(topDirectories(dirTableOf(dirs), 10).length, 3);
  // past 2^53 ns the order still holds
  const big = dir(5, 1, '/big');
  big.value.writeBigUInt64LE(2n ** 60n, Layout.dirStats.walkNs);
  assert.deepEqual(topDirectories(dirTableOf([...dirs, big]), 1)[0], big);
});

test('top K from packed batches, as the kernel hands them back: views of the K alone, ties in map order', () => {
  const dirs = [dir(1, 2, '/a'), dir(2, 0, '/never'), dir(3, 7, '/c'), dir(4, 7, '/tie'), dir(5, 5, '/d')];
  const pack = (rs: typeof dirs) => ({ keys: Buffer.concat(rs.map((r) => r.key)), values: Buffer.concat(rs.map((r) => r.value)), n: rs.length });
  const table = { batches: [pack(dirs.slice(0, 3)), pack(dirs.slice(3))] };
  assert.deepEqual(topDirectories(table, 3), [dirs[2], dirs[3], dirs[4]]);
  assert.deepEqual(topDirectories(table, 10), [dirs[2], dirs[3], dirs[4], dirs[0]]);
  assert.equal(dirCount(table), 5);
});

test('top K matches a stable sort of every entry, for any K, with ties and unwalked entries (seeded)', () => {
  let seed = 12345;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let round = 0; round < 50; round++) {
    const n = 1 + rand(600);
    const records = Array.from({ length: n }, (_, i) => dir(i + 1, rand(4) === 0 ? 0 : 1 + rand(20), `/d${i}`)); // 20 walk times: many ties
    const batches = [];
    for (let at = 0; at < n; ) {
      const size = 1 + rand(256);
      const rs = records.slice(at, at + size);
      batches.push({ keys: Buffer.concat(rs.map((r) => r.key)), values: Buffer.concat(rs.map((r) => r.value)), n: rs.length });
      at += size;
    }
    const walkNs = (r: DirRecord) => Number(r.value.readBigUInt64LE(Layout.dirStats.walkNs));
    const expected = records.filter((r) => r.value.readBigUInt64LE(Layout.dirStats.walks) > 0n).sort((a, b) => walkNs(b) - walkNs(a));
    for (const k of [0, 1, 5, rand(n + 5) + 1, n + 3]) assert.deepEqual(topDirectories({ batches }, k), expected.slice(0, k), `round ${round}, n ${n}, k ${k}`);
  }
});
