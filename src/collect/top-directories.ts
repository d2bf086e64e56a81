// The directories that get their own series: the K with the most walk time among those the
// kernel's LRU map still holds. Bounded by K whatever the host does.
import type { DirKey, DirStats } from '../bpf/abi.js';
import { formatDevice, Layout } from '../bpf/abi.js';
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

/** A u64 counter as a double: exact below 2^53 (104 days of walk time in ns), ordered above it. */
const u64 = (b: Buffer, offset: number): number => b.readUInt32LE(offset) + b.readUInt32LE(offset + 4) * 2 ** 32;

/** The k records with the most walk time among those walked at least once. */
export function topDirectories<T extends DirRecord>(dirs: readonly T[], k: number): T[] {
  const L = Layout.dirStats;
  return dirs
    .filter((d) => u64(d.value, L.walks) > 0)
    .map((d) => ({ d, walkNs: u64(d.value, L.walkNs) }))
    .sort((a, b) => b.walkNs - a.walkNs)
    .slice(0, k)
    .map(({ d }) => d);
}

export function directoryLabels(d: DirEntry, pathLabels: boolean): Labels {
  const labels: Labels = { device: formatDevice(d.key.dev), inode: d.key.ino.toString() };
  if (pathLabels) labels.path = d.stats.path;
  return labels;
}
