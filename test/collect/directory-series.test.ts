import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout, encodeDirKey } from '../../src/bpf/abi.js';
import { DirectorySeries } from '../../src/collect/directory-series.js';
import { topDirectories, type DirRecord } from '../../src/collect/top-directories.js';

function dir(ino: number, walks: number, path: string): DirRecord {
  const L = Layout.dirStats;
  const raw = Buffer.alloc(L.size);
  raw.writeBigUInt64LE(BigInt(walks), L.walks);
  raw.writeBigUInt64LE(BigInt(walks * 1_000_000), L.walkNs);
  raw.writeBigUInt64LE(5n, L.children + 8);
  raw.write(path, L.path);
  return { key: encodeDirKey({ ino: BigInt(ino), dev: (8 << 20) | 1 }), value: raw };
}

test('a directory is rendered once and its lines reused while its map value is unchanged', () => {
  const series = new DirectorySeries(true);
  const first = series.lines([dir(1, 3, '/a'), dir(2, 1, '/b')]);
  assert.deepEqual(series.stats, { rendered: 2, reused: 0 });
  assert.equal(first[0]?.[0], 'fsnotify_directory_walks_total{device="8:1",inode="1",path="/a"} 3\n');
  assert.equal(first[3]?.[0], 'fsnotify_directory_children{device="8:1",inode="1",path="/a",kind="positive"} 0\nfsnotify_directory_children{device="8:1",inode="1",path="/a",kind="negative"} 5\n');

  const again = series.lines([dir(1, 3, '/a'), dir(2, 2, '/b')]); // /b walked once more
  assert.deepEqual(series.stats, { rendered: 3, reused: 1 });
  assert.equal(again[0]?.[1], 'fsnotify_directory_walks_total{device="8:1",inode="2",path="/b"} 2\n');

  series.lines([dir(2, 2, '/b')]); // /a left the top K: forgotten
  series.lines([dir(1, 3, '/a')]);
  assert.deepEqual(series.stats, { rendered: 4, reused: 2 });
});

test('top K: the most walk time first, never-walked directories out, at most K', () => {
  const dirs = [dir(1, 2, '/a'), dir(2, 0, '/never'), dir(3, 7, '/c'), dir(4, 5, '/d')];
  const top = topDirectories(dirs, 2);
  assert.deepEqual(top, [dirs[2], dirs[3]]);
  assert.equal(topDirectories(dirs, 10).length, 3);
  // past 2^53 ns the order still holds
  const big = dir(5, 1, '/big');
  big.value.writeBigUInt64LE(2n ** 60n, Layout.dirStats.walkNs);
  assert.equal(topDirectories([...dirs, big], 1)[0], big);
});
