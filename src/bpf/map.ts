// A BPF map by fd: lookups, batch reads and per-CPU values as Buffers.
import { LibbpfError } from './errors.js';
import { BPF_MAP_TYPE, libbpf } from './libbpf.js';

const POSSIBLE_CPUS = libbpf.numPossibleCpus();
const BATCH = 256;
const ENOENT = 2;

const isPerCpu = (t: number) => t === BPF_MAP_TYPE.PERCPU_ARRAY || t === BPF_MAP_TYPE.PERCPU_HASH || t === BPF_MAP_TYPE.LRU_PERCPU_HASH;
const isArray = (t: number) => t === BPF_MAP_TYPE.ARRAY || t === BPF_MAP_TYPE.PERCPU_ARRAY;

/** n entries' keys and values, each packed back to back (key and value sizes apart). */
export interface EntryBatch {
  keys: Buffer;
  values: Buffer;
  n: number;
}

export class BpfMap {
  /** bytes of one value as user space sees it: per-CPU maps hand back one 8-byte aligned slot per possible CPU */
  readonly valueBytes: number;
  private batchWorks: boolean | undefined;
  /** batches({ reuse: true })'s buffers, batch by batch, kept for the next read */
  private readonly kept: Array<{ keys: Buffer; values: Buffer; token: Buffer }> = [];

  constructor(
    readonly name: string,
    readonly fd: number,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
  ) {
    this.valueBytes = isPerCpu(type) ? Math.ceil(valueSize / 8) * 8 * POSSIBLE_CPUS : valueSize;
  }

  get perCpu(): boolean {
    return isPerCpu(this.type);
  }

  lookup(key: Buffer): Buffer | null {
    const value = Buffer.alloc(this.valueBytes);
    const rc = libbpf.mapLookupElem(this.fd, key, value);
    if (rc === -ENOENT) return null;
    if (rc < 0) throw new LibbpfError('bpf_map_lookup_elem', -rc, this.name);
    return value;
  }

  /** Removes `key`; false if it was not there. */
  delete(key: Buffer): boolean {
    const rc = libbpf.mapDeleteElem(this.fd, key);
    if (rc === -ENOENT) return false;
    if (rc < 0) throw new LibbpfError('bpf_map_delete_elem', -rc, this.name);
    return true;
  }

  /** Every entry. One bpf() call per BATCH entries where the kernel supports batch lookups. */
  entries(): Array<[Buffer, Buffer]> {
    return this.batchOrByKey(() => this.entriesBatch(), () => this.entriesByKey());
  }

  /** batch() where this map and kernel support batch lookups, else byKey(); the first call finds out. */
  private batchOrByKey<T>(batch: () => T, byKey: () => T): T {
    if (this.batchWorks !== false) {
      try {
        const out = batch();
        this.batchWorks = true;
        return out;
      } catch (e) {
        // EINVAL/ENOTSUPP: no batch ops for this map type or kernel
        if (this.batchWorks === true || !(e instanceof LibbpfError)) throw e;
        this.batchWorks = false;
      }
    }
    return byKey();
  }

  /**
   * Every entry, packed as the kernel hands them back: keys and values of up to BATCH entries per
   * buffer, no object per entry (a caller copies out the few it keeps). With `reuse`, the buffers
   * are the last such read's, overwritten: valid until the next one (fresh ones every scrape
   * outlived V8's GCs as external memory: docs/benchmark-findings.md).
   */
  batches(o: { reuse?: boolean } = {}): EntryBatch[] {
    return this.batchOrByKey(
      () => {
        const out: EntryBatch[] = [];
        this.forEachBatch((keys, values, n) => n > 0 && out.push({ keys, values, n }), o.reuse === true);
        return out;
      },
      () => this.entriesByKey().map(([keys, values]) => ({ keys, values, n: 1 })),
    );
  }

  /** Entries as views into one keys and one values buffer per batch: no copy per entry. */
  entriesBatch(): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    this.forEachBatch((keys, values, n) => {
      for (let i = 0; i < n; i++)
        out.push([keys.subarray(i * this.keySize, (i + 1) * this.keySize), values.subarray(i * this.valueBytes, (i + 1) * this.valueBytes)]);
    });
    return out;
  }

  /** fn(keys, values, n) per batch lookup: n entries packed in each buffer, valid during the call. */
  private forEachBatch(fn: (keys: Buffer, values: Buffer, n: number) => void, reuse = false): void {
    // the batch token is opaque: a u32 bucket for hashes, a key for arrays; key size suffices for both
    const tokenSize = Math.max(this.keySize, 8);
    let inBatch: Buffer | null = null;
    const count = new Uint32Array(1);
    // at most a map's worth, and one set per batch: entriesBatch returns views into them
    const room = Math.min(BATCH, Math.max(1, this.maxEntries));
    const fresh = () => ({ keys: Buffer.allocUnsafe(this.keySize * room), values: Buffer.allocUnsafe(this.valueBytes * room), token: Buffer.allocUnsafe(tokenSize) });
    for (let b = 0; ; b++) {
      const { keys, values, token: outBatch } = reuse ? (this.kept[b] ??= fresh()) : fresh();
      count[0] = room;
      const rc = libbpf.mapLookupBatch(this.fd, inBatch, outBatch, keys, values, count, null);
      if (rc < 0 && rc !== -ENOENT) throw new LibbpfError('bpf_map_lookup_batch', -rc, this.name);
      fn(keys, values, count[0] ?? 0);
      if (rc === -ENOENT) return; // no more entries
      inBatch = outBatch;
    }
  }

  entriesByKey(): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    let key: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const rc = libbpf.mapGetNextKey(this.fd, key, next);
      if (rc === -ENOENT) return out;
      if (rc < 0) throw new LibbpfError('bpf_map_get_next_key', -rc, this.name);
      const value = this.lookup(next);
      if (value) out.push([next, value]); // deleted between the two calls otherwise
      key = next;
    }
  }

  /**
   * For a per-CPU array of u64 (or of u64 vectors: index x words + word): each u64 summed over
   * CPUs, as a number (exact to 2^53, then rounded as the float64 Prometheus stores anyway). Read
   * batch by batch, with no object per entry: these arrays are most of a scrape's entries.
   */
  perCpuArraySums(): number[] {
    if (!isArray(this.type) || !this.perCpu) throw new Error(`map ${this.name} is not a per-CPU array`);
    const words = Math.ceil(this.valueSize / 8);
    // a fresh array per attempt: a batch that fails part-way leaves nothing behind
    const zeros = () => new Array<number>(this.maxEntries * words).fill(0);
    return this.batchOrByKey(
      () => {
        const sums = zeros();
        this.forEachBatch((keys, values, n) => {
          for (let i = 0; i < n; i++) setCpuSums(sums, keys.readUInt32LE(i * this.keySize), words, values, i * this.valueBytes);
        }, true); // summed in the callback: the buffers can be the last read's
        return sums;
      },
      () => {
        const sums = zeros();
        for (const [k, v] of this.entriesByKey()) setCpuSums(sums, k.readUInt32LE(0), words, v, 0);
        return sums;
      },
    );
  }
}

/** sums[idx x words + w] = word w of the per-CPU value at `at` summed over CPUs, as a number (u32 reads: no BigInt). */
function setCpuSums(sums: number[], idx: number, words: number, v: Buffer, at: number): void {
  if ((idx + 1) * words > sums.length) return;
  for (let w = 0; w < words; w++) {
    let sum = 0;
    for (let cpu = 0; cpu < POSSIBLE_CPUS; cpu++) {
      const o = at + cpu * words * 8 + w * 8;
      sum += v.readUInt32LE(o) + v.readUInt32LE(o + 4) * 2 ** 32;
    }
    sums[idx * words + w] = sum;
  }
}
