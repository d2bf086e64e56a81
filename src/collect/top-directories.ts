// The directories that get their own series: the K with the most walk time among those the
// kernel's LRU map still holds. Bounded by K whatever the host does.
import type { DirKey, DirStats } from '../bpf/abi.js';
import { formatDevice, Layout, u64Number } from '../bpf/abi.js';
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

/** The k records with the most walk time among those walked at least once. */
export function topDirectories<T extends DirRecord>(dirs: readonly T[], k: number): T[] {
  const L = Layout.dirStats;
  return dirs
    .filter((d) => u64Number(d.value, L.walks) > 0)
    .map((d) => ({ d, walkNs: u64Number(d.value, L.walkNs) }))
    .sort((a, b) => b.walkNs - a.walkNs)
    .slice(0, k)
    .map(({ d }) => d);
}

const cuts = new WeakMap<readonly DirRecord[], { k: number; top: DirRecord[] }>();

/** topDirectories once per map read: the directory series, the diagnosis and the per-cgroup waits cut the same read. */
export function topDirectoriesOf<T extends DirRecord>(dirs: readonly T[], k: number): T[] {
  const c = cuts.get(dirs);
  if (c?.k === k) return c.top as T[];
  const top = topDirectories(dirs, k);
  cuts.set(dirs, { k, top });
  return top;
}

export function directoryLabels(d: DirEntry, pathLabels: boolean): Labels {
  const labels: Labels = { device: formatDevice(d.key.dev), inode: d.key.ino.toString() };
  if (pathLabels) labels.path = d.stats.path;
  return labels;
}
