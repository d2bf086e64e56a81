// The device, inode and path labels of a diagnosed directory, as the other fsnotify_directory_* series have them.
import type { DirectoryCounts } from '../diagnosis/assemble.js';
import { LabelSet } from './exposition.js';
import { dirText } from '../diagnosis/dir-identity.js';

/** Twice what one diagnosis names (2 × --top-directories, at most 4,000): past it, the set starts again. */
const KEPT_MAX = 8_192;
const kept = new Map<string, { path: string; pathLabels: boolean; labels: LabelSet }>();

/** A directory's labels, formatted once while it keeps its path: three collectors label the same directories every scrape. */
export function diagnosisLabels(d: DirectoryCounts, pathLabels: boolean): LabelSet {
  const id = dirText(d.dir).key;
  const k = kept.get(id);
  if (k && k.path === d.path && k.pathLabels === pathLabels) return k.labels;
  if (!k && kept.size >= KEPT_MAX) kept.clear();
  const labels = new LabelSet(pathLabels ? { device: d.device, inode: d.inode, path: d.path } : { device: d.device, inode: d.inode });
  kept.set(id, { path: d.path, pathLabels, labels });
  return labels;
}
