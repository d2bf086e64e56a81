// dir_stats read as packed batches from a real map loaded into this machine's kernel: every entry
// once, the reused buffers overwritten by the next read, and the top K copied out so that they
// outlive it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeDirKey, Layout } from '../../src/bpf/abi.js';
import { libbpf } from '../../src/bpf/libbpf.js';
import { dirCount, topDirectories } from '../../src/collect/top-directories.js';
import { withLoadedObject } from './host-object.js';

const L = Layout.dirStats;
const N = 600; // three batches of 256 and part of a third

function fill(fd: number, walkNs: (i: number) => number): void {
  for (let i = 0; i < N; i++) {
    const v = Buffer.alloc(L.size);
    v.writeBigUInt64LE(1n, L.walks);
    v.writeBigUInt64LE(BigInt(walkNs(i)), L.walkNs);
    v.write(`/d/${i}`, L.path);
    assert.equal(libbpf.mapUpdateElem(fd, encodeDirKey({ ino: BigInt(i + 1), dev: 1 }), v, 0n), 0);
  }
}

test('every dir_stats entry once per read, in reused buffers; the top K copied out survive the next read', () => {
  withLoadedObject((obj) => {
    const map = obj.map('dir_stats');
    fill(map.fd, (i) => (i + 1) * 1000);
    const first = map.batches({ reuse: true });
    assert.equal(dirCount({ batches: first }), N);
    assert.ok(first.length >= 3, `${first.length} batches`);
    const inos = new Set<bigint>();
    for (const b of first) for (let i = 0; i < b.n; i++) inos.add(b.keys.readBigUInt64LE(i * Layout.dirKey.size));
    assert.equal(inos.size, N);
    const top = topDirectories({ batches: first }, 3);
    assert.deepEqual(top.map((r) => r.value.readBigUInt64LE(L.walkNs)), [600_000n, 599_000n, 598_000n]);

    fill(map.fd, (i) => (N - i) * 1000); // the order reversed
    const second = map.batches({ reuse: true });
    assert.equal(second[0]?.values, first[0]?.values, 'the same buffers, overwritten');
    assert.deepEqual(topDirectories({ batches: second }, 1)[0]?.value.readBigUInt64LE(L.walkNs), 600_000n);
    assert.equal(topDirectories({ batches: second }, 1)[0]?.key.readBigUInt64LE(0), 1n);
    // the first read's top K were copies: the rewrite left them as they were
    assert.deepEqual(top.map((r) => r.key.readBigUInt64LE(0)), [600n, 599n, 598n]);
    assert.deepEqual(top.map((r) => r.value.readBigUInt64LE(L.walkNs)), [600_000n, 599_000n, 598_000n]);
  });
});
