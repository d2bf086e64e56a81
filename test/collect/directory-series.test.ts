import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout, decodeDirStats } from '../../src/bpf/abi.js';
import { DirectorySeries, type TopDirectory } from '../../src/collect/directory-series.js';

function dir(ino: number, walks: number, path: string): TopDirectory {
  const L = Layout.dirStats;
  const raw = Buffer.alloc(L.size);
  raw.writeBigUInt64LE(BigInt(walks), L.walks);
  raw.writeBigUInt64LE(BigInt(walks * 1_000_000), L.walkNs);
  raw.writeBigUInt64LE(5n, L.children + 8);
  raw.write(path, L.path);
  return { key: { ino: BigInt(ino), dev: (8 << 20) | 1 }, stats: decodeDirStats(raw), raw };
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
