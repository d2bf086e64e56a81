// node dist/bench/render-bench.js [K] [scrapes]: the directories collector's scrape in-process,
// with K of 1.5 × K directories in a fake dir_stats map, steady and with every directory
// changed before each scrape. CPU time and GC time per scrape, not wall time: on this shared
// 2-core host the wall time of a loopback scrape swings with other tenants' load, CPU time much
// less. What docs/benchmark-findings.md quotes for the directory renderer's choices.
import { PerformanceObserver } from 'node:perf_hooks';
import { Layout, encodeDirKey } from '../src/bpf/abi.js';
import type { CollectorContext } from '../src/collect/collector.js';
import { directories } from '../src/collect/collectors/directories.js';
import { Exposition } from '../src/collect/exposition.js';
import { SnapshotCache, type BpfMapsReader } from '../src/collect/snapshot.js';

const k = Number(process.argv[2] ?? 1606);
const scrapes = Number(process.argv[3] ?? 300);
const n = Math.ceil(k * 1.5);
const L = Layout.dirStats;
const keys = Buffer.concat(Array.from({ length: n }, (_, i) => encodeDirKey({ ino: BigInt(100_000 + i), dev: (8 << 20) | 1 })));
const keySize = keys.length / n;
const values = Buffer.alloc(L.size * n);
function fill(walks: number): void {
  for (let i = 0; i < n; i++) {
    const v = values.subarray(i * L.size, (i + 1) * L.size);
    v.writeBigUInt64LE(BigInt((i + 1) * walks), L.walks);
    v.writeBigUInt64LE(BigInt((i + 1) * 1_000_000 + walks), L.walkNs);
    v.writeBigUInt64LE(BigInt(i * 1000 + walks), L.lockWaitNs);
    v.writeBigUInt64LE(BigInt(i * 500), L.lockWaitNs + 8);
    v.writeBigUInt64LE(BigInt(i * 10), L.children);
    v.writeBigUInt64LE(BigInt(i * 1000 + walks), L.children + 8);
    v.write(`/srv/bench/dir-${String(i).padStart(5, '0')}`, L.path, 'utf8');
  }
}
fill(1);
// as src/bpf/map.ts's batch read returns them: views into fresh buffers
const maps: BpfMapsReader = {
  perCpuArraySums: () => new Array<number>(64).fill(0),
  entries: (name) => {
    if (name !== 'dir_stats') return [];
    const ks = Buffer.from(keys);
    const vs = Buffer.from(values);
    return Array.from({ length: n }, (_, i): [Buffer, Buffer] => [ks.subarray(i * keySize, (i + 1) * keySize), vs.subarray(i * L.size, (i + 1) * L.size)]);
  },
  capacity: () => 10_240,
};
const cache = new SnapshotCache(maps);
const exposition = new Exposition();
exposition.register('directories', (m) => directories.setup(m, { maps: cache, topDirectories: k, pathLabels: true } as unknown as CollectorContext));

let gcMs = 0;
let majors = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 4) majors++;
  }
}).observe({ entryTypes: ['gc'] });

const turn = () => new Promise<void>((r) => setImmediate(r));
async function run(changing: boolean) {
  for (let i = 0; i < 30; i++) {
    if (changing) fill(i + 2);
    await exposition.metrics();
    await turn();
  }
  await turn();
  gcMs = 0;
  majors = 0;
  const times: number[] = [];
  const c0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) {
    if (changing) fill(i + 100);
    const t0 = process.cpuUsage();
    bytes = (await exposition.metrics()).length;
    const t = process.cpuUsage(t0);
    times.push((t.user + t.system) / 1000);
    await turn();
  }
  await turn();
  const c = process.cpuUsage(c0);
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.floor(p * (times.length - 1))]!.toFixed(2);
  const rss = process.memoryUsage().rss / 2 ** 20;
  return `${changing ? 'changing' : 'steady  '} K=${k} bytes=${bytes} cpu/scrape p50 ${pct(0.5)} p99 ${pct(0.99)} ms (incl. fill: ${((c.user + c.system) / 1000 / scrapes).toFixed(2)}) gc ${(gcMs / scrapes).toFixed(2)} ms/scrape, ${majors} major GCs, rss ${rss.toFixed(0)} MB`;
}
process.stdout.write(`${await run(false)}\n${await run(true)}\n`);
