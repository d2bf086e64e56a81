import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeDirKey, Layout } from '../../src/bpf/abi.js';
import { dirText, walkedIdentity } from '../../src/diagnosis/dir-identity.js';

const value = (path: string) => {
  const v = Buffer.alloc(Layout.dirStats.size);
  v.write(path, Layout.dirStats.path, 'utf8');
  return v;
};

test('a directory keeps its DirId and path objects while its key and path bytes are unchanged', () => {
  const key = encodeDirKey({ ino: 2n ** 40n + 7n, dev: (8 << 20) | 1 });
  const a = walkedIdentity(key, value('/srv/données'));
  const b = walkedIdentity(Buffer.from(key), value('/srv/données'));
  assert.equal(b.dir, a.dir);
  assert.equal(b.path, a.path);
  assert.deepEqual(a.dir, { ino: 2n ** 40n + 7n, dev: (8 << 20) | 1 });
  assert.equal(a.path, '/srv/données');
  assert.deepEqual(dirText(a.dir), { device: '8:1', inode: String(2n ** 40n + 7n), key: `${(8 << 20) | 1}:${2n ** 40n + 7n}` });
  assert.equal(dirText(b.dir), dirText(a.dir));
});

test('a rename keeps the DirId and decodes the new path; another key is another directory', () => {
  const key = encodeDirKey({ ino: 99n, dev: 3 });
  const before = walkedIdentity(key, value('/a/old'));
  const renamed = walkedIdentity(key, value('/a/older')); // the old path's bytes are a prefix
  assert.equal(renamed.dir, before.dir);
  assert.equal(renamed.path, '/a/older');
  assert.equal(walkedIdentity(key, value('/a/older')).path, '/a/older');
  const other = walkedIdentity(encodeDirKey({ ino: 99n, dev: 4 }), value('/a/older'));
  assert.notEqual(other.dir, before.dir);
  assert.deepEqual(other.dir, { ino: 99n, dev: 4 });
});

test('a path that fills its field has no NUL and is read to the field end', () => {
  const key = encodeDirKey({ ino: 5n, dev: 1 });
  const long = `/${'x'.repeat(400)}`;
  assert.equal(walkedIdentity(key, value(long)).path, long.slice(0, 256));
});
