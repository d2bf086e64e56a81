// The per-directory series of the top-K directories. What a directory's lines share from scrape to
// scrape, their text up to the value (name and labels), is built once as UTF-8 bytes and kept while
// the directory stays in the top K; the values are written as digits straight from the dir_stats
// bytes into the exposition. So a scrape makes no string per directory, changed or not: keeping
// rendered lines made every changed directory 4 strings that lived until the next scrape, were
// promoted, and filled V8's old generation (docs/benchmark-findings.md).
import { CHILD_KINDS, LOCK_KINDS, Layout, u64Number } from '../bpf/abi.js';
import { dirText, walkedIdentity, type WalkedIdentity } from '../diagnosis/dir-identity.js';
import type { DirId } from '../diagnosis/model.js';
import { METRICS } from './catalog.js';
import { LabelSet, linePrefix, type Labels, type TextSink } from './exposition.js';
import type { DirRecord } from './top-directories.js';

const NO_LABELS = new LabelSet({});
const LOCK_LABELS = LOCK_KINDS.map((lock) => new LabelSet({ lock }));
const KIND_LABELS = CHILD_KINDS.map((kind) => new LabelSet({ kind }));
const L = Layout.dirStats;
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
  /** the identity the prefixes were built from: walkedIdentity hands back another one when the path changes */
  identity: WalkedIdentity;
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
      const identity = walkedIdentity(d.key, d.value);
      let k = this.kept.get(identity.dir);
      if (k && (!this.pathLabels || k.identity === identity)) this.stats.reused++;
      else {
        k = this.build(identity);
        this.kept.set(identity.dir, k);
        this.stats.rendered++;
      }
      k.seen = generation;
      cut.kept.push(k);
      cut.values.push(d.value);
    }
    if (this.kept.size > cut.kept.length) for (const [id, k] of this.kept) if (k.seen !== generation) this.kept.delete(id);
    return cut;
  }

  private build(identity: WalkedIdentity): Kept {
    const t = dirText(identity.dir);
    const labels: Labels = { device: t.device, inode: t.inode };
    if (this.pathLabels) labels.path = identity.path;
    const shared = new LabelSet(labels);
    return {
      identity,
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
