// What the scrape keeps between collectors and scrapes: one top-K cut per map read, and each
// diagnosed directory's labels while its path stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout } from '../../src/bpf/abi.js';
import { diagnosisLabels } from '../../src/collect/diagnosis-labels.js';
import { dirTableOf, topDirectoriesOf, type DirRecord } from '../../src/collect/top-directories.js';
import type { DirectoryCounts } from '../../src/diagnosis/assemble.js';

const record = (walkNs: number): DirRecord => {
  const value = Buffer.alloc(Layout.dirStats.size);
  value.writeBigUInt64LE(1n, Layout.dirStats.walks);
  value.writeBigUInt64LE(BigInt(walkNs), Layout.dirStats.walkNs);
  return { key: Buffer.alloc(16), value };
};

test('one map read is cut once per K; another read, or another K, is cut again', () => {
  const records = [record(1), record(3), record(2)];
  const read = dirTableOf(records);
  const top = topDirectoriesOf(read, 2);
  assert.deepEqual(top, [records[1], records[2]]);
  assert.equal(topDirectoriesOf(read, 2), top);
  assert.deepEqual(topDirectoriesOf(read, 1), [records[1]]);
  // K=1's cut has copies of its own: K=2's are as they were
  assert.deepEqual(top, [records[1], records[2]]);
  const nextRecords = [record(5), ...records];
  const next = dirTableOf(nextRecords);
  const nextTop = topDirectoriesOf(next, 2);
  assert.notEqual(nextTop, top);
  assert.deepEqual(nextTop, [nextRecords[0], nextRecords[2]]);
  // the next read's copies go where the last read's were, at the same K: no buffer or view made per scrape
  assert.equal(nextTop[0], top[0]);
  assert.equal(nextTop[1]?.value.buffer, top[0]?.value.buffer);
  // at one K, a read with more walked directories than the last needs more room: new records, right values
  const short = topDirectoriesOf(dirTableOf([record(9)]), 3);
  const longer = topDirectoriesOf(dirTableOf([record(9), record(8), record(7), record(6)]), 3);
  assert.deepEqual(longer.map((r) => r.value.readBigUInt64LE(Layout.dirStats.walkNs)), [9n, 8n, 7n]);
  assert.notEqual(longer[0]?.value.buffer, short[0]?.value.buffer);
});

const dir = (path: string, inode = '7'): DirectoryCounts => ({ dir: { dev: 1, ino: BigInt(inode) }, device: '0:1', inode, path, watchers: [] });

test('a directory keeps its formatted labels while its path stays; a new path or label set formats them again', () => {
  const a = diagnosisLabels(dir('/a'), true);
  assert.equal(a.text, 'device="0:1",inode="7",path="/a"');
  assert.equal(diagnosisLabels(dir('/a'), true), a);
  const renamed = diagnosisLabels(dir('/b'), true);
  assert.equal(renamed.text, 'device="0:1",inode="7",path="/b"');
  assert.equal(diagnosisLabels(dir('/b'), false).text, 'device="0:1",inode="7"');
  // device and inode are apart in the key: 0:1 with inode 17 is not 0:11 with inode 7
  assert.equal(diagnosisLabels({ ...dir('/c', '17') }, true).text, 'device="0:1",inode="17",path="/c"');
  assert.equal(diagnosisLabels({ ...dir('/c'), device: '0:11' }, true).text, 'device="0:11",inode="7",path="/c"');
});
