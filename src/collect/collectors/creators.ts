// Who fills directories with dentries: the largest creators in each directory of the top-K walked
// plus top-K filling (the directories of fsnotify_directory_dentry_creations_total, dentry-creations.ts).
import { decodeDirKey, decodeDirStats, formatDevice } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Labels, Sample } from '../exposition.js';
import { CREATORS_PER_DIRECTORY, dirIdKey, fillingDirectories, indexRootCause, type CreationRow } from '../root-cause.js';
import type { Snapshot } from '../snapshot.js';
import { topDirectories } from '../top-directories.js';

const KINDS = [
  ['positive', 'positive'],
  ['negative', 'negative'],
] as const;

/** The directories with creation series: the top-K by walk time, then K more by negative creations. */
export function creationDirectories(s: Snapshot, k: number): CreationRow[] {
  const idx = indexRootCause(s);
  const out = new Map<string, CreationRow>();
  for (const d of topDirectories(s.dirs, k)) {
    const id = dirIdKey(decodeDirKey(d.key));
    const c = idx.creations.get(id);
    // the walk's path: the same label its other series carry
    if (c) out.set(id, { ...c, path: decodeDirStats(d.value).path || c.path });
  }
  // the K filling fastest among the rest, so a walked directory does not take a filling one's place
  const walked = out.size;
  for (const c of fillingDirectories(idx, k + walked)) if (out.size < walked + k && !out.has(dirIdKey(c.dir))) out.set(dirIdKey(c.dir), c);
  return [...out.values()];
}

export const creators: Collector = {
  name: 'creators',
  setup(m, { maps, topDirectories: k, pathLabels, cgroups }) {
    const dirLabels = (c: CreationRow): Labels => ({ device: formatDevice(c.dir.dev), inode: c.dir.ino.toString(), ...(pathLabels ? { path: c.path } : {}) });
    const dirs = (s: Snapshot) => creationDirectories(s, k);
    m.samples(METRICS.directoryDentryCreators, () => {
      const idx = maps.derive(indexRootCause);
      const out: Sample[] = [];
      for (const c of maps.derive(dirs))
        for (const r of (idx.creators.get(dirIdKey(c.dir)) ?? []).slice(0, CREATORS_PER_DIRECTORY)) {
          const labels = { ...dirLabels(c), comm: r.comm, cgroup: cgroups.resolve(r.cgroupId).cgroup };
          for (const [kind, f] of KINDS) out.push({ labels: { ...labels, kind }, value: r[f] });
        }
      return out;
    });
  },
};
