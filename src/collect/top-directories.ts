// The directories that get their own series: the K with the most walk time among those the
// kernel's LRU map still holds. Bounded by K whatever the host does.
import type { DirKey, DirStats } from '../bpf/abi.js';
import { formatDevice } from '../bpf/abi.js';
import type { Labels } from './exposition.js';

export interface DirEntry {
  key: DirKey;
  stats: DirStats;
}

export function topDirectories<T extends DirEntry>(dirs: readonly T[], k: number): T[] {
  return [...dirs]
    .filter((d) => d.stats.walks > 0n)
    .sort((a, b) => (b.stats.walkNs > a.stats.walkNs ? 1 : b.stats.walkNs < a.stats.walkNs ? -1 : 0))
    .slice(0, k);
}

export function directoryLabels(d: DirEntry, pathLabels: boolean): Labels {
  const labels: Labels = { device: formatDevice(d.key.dev), inode: d.key.ino.toString() };
  if (pathLabels) labels.path = d.stats.path;
  return labels;
}
