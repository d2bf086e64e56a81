// The per-directory series of the top-K directories. What a directory's lines share from scrape to
// scrape, their text up to the value (name and labels), is built once as UTF-8 bytes and kept while
// the directory stays in the top K; the values are written as digits straight from the dir_stats
// bytes into the exposition. So a scrape makes no string per directory, changed or not: keeping
// rendered lines made every changed directory 4 strings that lived until the next scrape, were
// promoted, and filled V8's old generation (docs/benchmark-findings.md).
import { CHILD_KINDS, LOCK_KINDS, Layout, u64Number } from '../bpf/abi.js';
import { dirText, walkedIdentity } from '../diagnosis/dir-identity.js';
import type { DirId } from '../diagnosis/model.js';
import { METRICS } from './catalog.js';
import { LabelSet, linePrefix, type Labels, type TextSink } from './exposition.js';
import type { DirRecord } from './top-directories.js';

const NO_LABELS = new LabelSet({});
const LOCK_LABELS = LOCK_KINDS.map((lock) => new LabelSet({ lock }));
const KIND_LABELS = CHILD_KINDS.map((kind) => new LabelSet({ kind }));
const L = Layout.dirStats;
const PATH_BYTES = L.size - L.path;
const NEWLINE = 0x0a;

export const DIRECTORY_METRICS = [METRICS.directoryWalks, METRICS.directoryWalkSeconds, METRICS.directoryLockWaitSeconds, METRICS.directoryChildren] as const;

/** Per DIRECTORY_METRICS entry: its series' dir_stats offsets, and whether each is nanoseconds. */
const SERIES: ReadonlyArray<ReadonlyArray<{ offset: number; nanos: boolean; own: LabelSet }>> = [
  [{ offset: L.walks, nanos: false, own: NO_LABELS }],
  [{ offset: L.walkNs, nanos: true, own: NO_LABELS }],
  LOCK_LABELS.map((own, i) => ({ offset: L.lockWaitNs + 8 * i, nanos: true, own })),
  KIND_LABELS.map((own, i) => ({ offset: L.children + 8 * i, nanos: false, own })),
];

interface Kept {
  /** the path bytes (up to the NUL) the prefixes were built from; empty without path labels */
  path: Buffer;
  /** [metric][series]: `name{labels} ` as UTF-8 */
  prefixes: Buffer[][];
  /** the select() that last saw it */
  seen: number;
}

/** The top-K cut of one scrape: each directory's kept prefixes and its dir_stats bytes. */
export interface DirectoryCut {
  kept: Kept[];
  values: Buffer[];
}

function samePath(kept: Buffer, value: Buffer): boolean {
  const n = kept.length;
  return (n === PATH_BYTES || value[L.path + n] === 0) && value.compare(kept, 0, n, L.path, L.path + n) === 0;
}

export class DirectorySeries {
  /** by the DirId walkedIdentity keeps for a directory: no key string made per scrape */
  private readonly kept = new Map<DirId, Kept>();
  private generation = 0;
  /** prefixes built and reused since start, for the tests */
  readonly stats = { rendered: 0, reused: 0 };

  constructor(private readonly pathLabels: boolean) {}

  /** This scrape's top-K directories with their prefixes; forgets directories no longer in it. */
  select(top: readonly DirRecord[]): DirectoryCut {
    const generation = ++this.generation;
    const cut: DirectoryCut = { kept: [], values: [] };
    for (const d of top) {
      const id = walkedIdentity(d.key, d.value).dir;
      let k = this.kept.get(id);
      if (k && (!this.pathLabels || samePath(k.path, d.value))) this.stats.reused++;
      else {
        k = this.build(d, id);
        this.kept.set(id, k);
        this.stats.rendered++;
      }
      k.seen = generation;
      cut.kept.push(k);
      cut.values.push(d.value);
    }
    if (this.kept.size > cut.kept.length) for (const [id, k] of this.kept) if (k.seen !== generation) this.kept.delete(id);
    return cut;
  }

  private build(d: DirRecord, dir: DirId): Kept {
    const nul = d.value.indexOf(0, L.path);
    const path = d.value.subarray(L.path, nul < 0 ? L.size : nul);
    const t = dirText(dir);
    const labels: Labels = { device: t.device, inode: t.inode };
    if (this.pathLabels) labels.path = path.toString('utf8');
    const shared = new LabelSet(labels);
    return {
      path: this.pathLabels ? Buffer.from(path) : Buffer.alloc(0),
      prefixes: DIRECTORY_METRICS.map((spec, i) => SERIES[i]!.map((s) => Buffer.from(linePrefix(spec, shared, s.own)))),
      seen: 0,
    };
  }

  /** The sample lines of DIRECTORY_METRICS[metric] for `cut`. */
  write(metric: number, cut: DirectoryCut, out: TextSink): void {
    const series = SERIES[metric]!;
    for (let i = 0; i < cut.kept.length; i++) {
      const prefixes = cut.kept[i]!.prefixes[metric]!;
      const value = cut.values[i]!;
      for (let j = 0; j < series.length; j++) {
        const s = series[j]!;
        out.bytes(prefixes[j]!);
        if (s.nanos) out.nanosAsSeconds(u64Number(value, s.offset));
        else out.uint(u64Number(value, s.offset));
        out.byte(NEWLINE);
      }
    }
  }
}
