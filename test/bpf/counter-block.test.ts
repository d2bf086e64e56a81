// The per-CPU counters are one value of NR_COUNTERS u64 (bpf/fsnotify.bpf.c counter_block): the
// reader sums each word over CPUs and returns them by index, as it does for a per-CPU array of u64.
// A real map of the object, loaded into this machine's kernel, written through the bpf syscall.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NR_COUNTERS } from '../../src/bpf/abi.js';
import { libbpf } from '../../src/bpf/libbpf.js';
import { withLoadedObject } from './host-object.js';

test('counters read back word by word, each summed over the possible CPUs', () => {
  withLoadedObject((obj) => {
    const map = obj.map('counters');
    assert.equal(map.maxEntries, 1);
    assert.equal(map.valueSize, NR_COUNTERS * 8);
    const cpus = libbpf.numPossibleCpus();
    const value = Buffer.alloc(cpus * NR_COUNTERS * 8);
    // word w on cpu c holds (w + 1) * 1000 + c; the top word also past 2^32 on every CPU
    for (let c = 0; c < cpus; c++)
      for (let w = 0; w < NR_COUNTERS; w++) value.writeBigUInt64LE(BigInt((w + 1) * 1000 + c) + (w === NR_COUNTERS - 1 ? 2n ** 33n : 0n), (c * NR_COUNTERS + w) * 8);
    assert.equal(libbpf.mapUpdateElem(map.fd, Buffer.alloc(4), value, 0n), 0);
    const cpuSum = (cpus * (cpus - 1)) / 2;
    const expected = Array.from({ length: NR_COUNTERS }, (_, w) => (w + 1) * 1000 * cpus + cpuSum + (w === NR_COUNTERS - 1 ? cpus * 2 ** 33 : 0));
    assert.deepEqual(map.perCpuArraySums(), expected);
  });
});
