// The directories that get their own series: the K with the most walk time among those the
// kernel's LRU map still holds. Bounded by K whatever the host does.
import type { DirKey, DirStats } from '../bpf/abi.js';
import { formatDevice, Layout } from '../bpf/abi.js';
import type { EntryBatch } from '../bpf/map.js';
import type { Labels } from './exposition.js';

/** A dir_stats entry as read from the map: key and value bytes, decoded only when needed. */
export interface DirRecord {
  key: Buffer;
  value: Buffer;
}

export interface DirEntry {
  key: DirKey;
  stats: DirStats;
}

/** dir_stats as read: its entries packed in the batches the kernel handed back, copied out one by one only once in a top-K cut. */
export interface DirTable {
  batches: readonly EntryBatch[];
}

const KEY_BYTES = Layout.dirKey.size;
const VALUE_BYTES = Layout.dirStats.size;

/** Records read one by one (a reader without batch reads, the tests' fakes) as a table. */
export const dirTableOf = (records: readonly DirRecord[]): DirTable => ({ batches: records.map((r) => ({ keys: r.key, values: r.value, n: 1 })) });

export const dirCount = (t: DirTable): number => t.batches.reduce((n, b) => n + b.n, 0);

/**
 * The k records with the most walk time among those walked at least once, ties in map order. A
 * bounded heap picks them in place from the batches and only those k are copied out: a full
 * dir_stats costs no object per entry (docs/benchmark-findings.md).
 */
export function topDirectories(dirs: DirTable, k: number, into: CopiedRecords = new CopiedRecords()): DirRecord[] {
  const L = Layout.dirStats;
  const heap = new TopK(Math.max(0, k));
  let pos = 0;
  for (let bi = 0; bi < dirs.batches.length; bi++) {
    const b = dirs.batches[bi] as EntryBatch;
    for (let i = 0; i < b.n; i++, pos++) {
      const at = i * VALUE_BYTES;
      // read in place: through u64Number's call, each entry's double was boxed
      if (b.values.readUInt32LE(at + L.walks) === 0 && b.values.readUInt32LE(at + L.walks + 4) === 0) continue;
      heap.offer(b.values.readUInt32LE(at + L.walkNs) + b.values.readUInt32LE(at + L.walkNs + 4) * 2 ** 32, pos, bi, i);
    }
  }
  // copied out, not viewed: the batches are the map reader's, and its next read overwrites them
  const best = heap.bestFirst();
  const records = into.records(best.length);
  return best.map(([bi, i], n) => {
    const b = dirs.batches[bi] as EntryBatch;
    const r = records[n] as DirRecord;
    copyBytes(b.keys, i * KEY_BYTES, r.key, 0, KEY_BYTES);
    copyBytes(b.values, i * VALUE_BYTES, r.value, 0, VALUE_BYTES);
    return r;
  });
}

/**
 * Records over one buffer, handed out again by the next records() call: a cut's copies live
 * until its owner cuts again. One buffer and its views made per scrape were promoted to V8's
 * old generation and doubled its mark-compacts (docs/benchmark-findings.md).
 */
export class CopiedRecords {
  private kept: DirRecord[] = [];

  records(n: number): readonly DirRecord[] {
    if (n > this.kept.length) {
      const arena = Buffer.allocUnsafeSlow(n * (KEY_BYTES + VALUE_BYTES));
      this.kept = Array.from({ length: n }, (_, i) => {
        const at = i * (KEY_BYTES + VALUE_BYTES);
        return { key: arena.subarray(at, at + KEY_BYTES), value: arena.subarray(at + KEY_BYTES, at + KEY_BYTES + VALUE_BYTES) };
      });
    }
    return this.kept;
  }
}

/** A view of the source range and one memcpy: a byte loop in JS cost ~2 ms a scrape at K=1,200. */
function copyBytes(from: Buffer, start: number, to: Buffer, at: number, n: number): void {
  to.set(from.subarray(start, start + n), at);
}

function swapIn(a: Float64Array | Int32Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/** The k best of (walkNs, position) offered, most walk time first, then the earlier position: a min-heap of the worst kept at its root. */
class TopK {
  private readonly w: Float64Array;
  private readonly p: Float64Array;
  private readonly at: Int32Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.w = new Float64Array(k);
    this.p = new Float64Array(k);
    this.at = new Int32Array(2 * k);
  }

  /** whether slot a ranks below slot b */
  private worse(a: number, b: number): boolean {
    const wa = this.w[a] as number;
    const wb = this.w[b] as number;
    return wa < wb || (wa === wb && (this.p[a] as number) > (this.p[b] as number));
  }

  offer(walkNs: number, pos: number, batch: number, entry: number): void {
    if (this.k === 0) return;
    let slot: number;
    if (this.size < this.k) slot = this.size++;
    else if (walkNs > (this.w[0] as number)) slot = 0; // equal walk time: the kept one came earlier
    else return;
    this.w[slot] = walkNs;
    this.p[slot] = pos;
    this.at[2 * slot] = batch;
    this.at[2 * slot + 1] = entry;
    if (slot === 0 && this.size === this.k) this.down(0);
    else this.up(slot);
  }

  private swap(a: number, b: number): void {
    swapIn(this.w, a, b);
    swapIn(this.p, a, b);
    swapIn(this.at, 2 * a, 2 * b);
    swapIn(this.at, 2 * a + 1, 2 * b + 1);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      let least = i;
      const l = 2 * i + 1;
      const r = l + 1;
      if (l < this.size && this.worse(l, least)) least = l;
      if (r < this.size && this.worse(r, least)) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  /** [batch, entry] of each kept, best first; empties the heap */
  bestFirst(): Array<[number, number]> {
    const out = new Array<[number, number]>(this.size);
    for (let n = this.size - 1; n >= 0; n--) {
      out[n] = [this.at[0] as number, this.at[1] as number];
      this.size--;
      if (this.size > 0) {
        this.swap(0, this.size);
        this.down(0);
      }
    }
    return out;
  }
}

/** by K: the last read cut, and the records its copies are in */
const cuts = new Map<number, { dirs?: DirTable; top: DirRecord[]; into: CopiedRecords }>();

/**
 * topDirectories once per map read: the directory series, the diagnosis and the per-cgroup waits
 * cut the same read. The records are valid until the next read is cut at the same K, which is
 * the next scrape's turn (SnapshotCache reads the maps once a turn).
 */
export function topDirectoriesOf(dirs: DirTable, k: number): DirRecord[] {
  let c = cuts.get(k);
  if (c?.dirs === dirs) return c.top;
  if (!c) cuts.set(k, (c = { top: [], into: new CopiedRecords() }));
  c.top = topDirectories(dirs, k, c.into);
  c.dirs = dirs;
  return c.top;
}

export function directoryLabels(d: DirEntry, pathLabels: boolean): Labels {
  const labels: Labels = { device: formatDevice(d.key.dev), inode: d.key.ino.toString() };
  if (pathLabels) labels.path = d.stats.path;
  return labels;
}
