// The per-directory series of the top-K directories. A directory's counters change only when it is
// walked, so its lines are rendered once and kept while its dir_stats value (the raw bytes) stays
// the same: kept strings are promoted once, lines rendered at every scrape are garbage every scrape.
import { CHILD_KINDS, LOCK_KINDS, decodeDirKey, decodeDirStats } from '../bpf/abi.js';
import { METRICS } from './catalog.js';
import { LabelSet, sampleLines } from './exposition.js';
import { directoryLabels, type DirEntry, type DirRecord } from './top-directories.js';

const n = (v: bigint | undefined): number => Number(v ?? 0n);
const NO_LABELS = new LabelSet({});
const LOCK_LABELS = LOCK_KINDS.map((lock) => new LabelSet({ lock }));
const KIND_LABELS = CHILD_KINDS.map((kind) => new LabelSet({ kind }));

export const DIRECTORY_METRICS = [METRICS.directoryWalks, METRICS.directoryWalkSeconds, METRICS.directoryLockWaitSeconds, METRICS.directoryChildren] as const;

interface Rendered {
  /** a copy of the dir_stats value the lines were rendered from */
  raw: Buffer;
  /** one text per DIRECTORY_METRICS entry */
  lines: string[];
}

function render(d: DirEntry, pathLabels: boolean): string[] {
  const shared = new LabelSet(directoryLabels(d, pathLabels));
  const s = d.stats;
  return [
    sampleLines(METRICS.directoryWalks, [{ shared, labels: NO_LABELS, value: n(s.walks) }]),
    sampleLines(METRICS.directoryWalkSeconds, [{ shared, labels: NO_LABELS, value: n(s.walkNs) / 1e9 }]),
    sampleLines(METRICS.directoryLockWaitSeconds, LOCK_LABELS.map((labels, i) => ({ shared, labels, value: n(s.lockWaitNs[i]) / 1e9 }))),
    sampleLines(METRICS.directoryChildren, KIND_LABELS.map((labels, i) => ({ shared, labels, value: n(s.children[i]) }))),
  ];
}

export class DirectorySeries {
  private rendered = new Map<string, Rendered>();
  /** renders done and reused since start, for the tests */
  readonly stats = { rendered: 0, reused: 0 };

  constructor(private readonly pathLabels: boolean) {}

  /** The lines of each directory metric for this top-K cut; forgets directories no longer in it. */
  lines(top: readonly DirRecord[]): string[][] {
    const next = new Map<string, Rendered>();
    const out: string[][] = DIRECTORY_METRICS.map(() => []);
    for (const d of top) {
      const id = d.key.toString('latin1');
      let r = this.rendered.get(id);
      if (r && r.raw.equals(d.value)) this.stats.reused++;
      else {
        // decoded only here: an unchanged directory costs a byte comparison
        r = { raw: Buffer.from(d.value), lines: render({ key: decodeDirKey(d.key), stats: decodeDirStats(d.value) }, this.pathLabels) };
        this.stats.rendered++;
      }
      next.set(id, r);
      r.lines.forEach((text, i) => out[i]!.push(text));
    }
    this.rendered = next;
    return out;
  }
}
