// Which workloads a walk stalled: lock-wait time on each top-K directory per cgroup of the waiter.
import { decodeDirKey, decodeDirStats } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Sample } from '../exposition.js';
import { CGROUPS_PER_DIRECTORY, indexRootCause } from '../root-cause.js';
import { dirIdKey } from '../../diagnosis/dir-identity.js';
import { directoryLabels, topDirectoriesOf } from '../top-directories.js';

export const cgroupWaits: Collector = {
  name: 'cgroup_waits',
  setup(m, { maps, topDirectories: k, pathLabels, cgroups }) {
    m.samples(METRICS.directoryLockWaitByCgroup, () => {
      const s = maps.get();
      const idx = maps.derive(indexRootCause);
      const out: Sample[] = [];
      if (idx.waits.size === 0) return out;
      for (const d of topDirectoriesOf(s.dirs, k)) {
        const key = decodeDirKey(d.key);
        const waits = idx.waits.get(dirIdKey(key));
        if (!waits) continue;
        const labels = directoryLabels({ key, stats: decodeDirStats(d.value) }, pathLabels);
        for (const w of waits.slice(0, CGROUPS_PER_DIRECTORY)) out.push({ labels: { ...labels, cgroup: cgroups.resolve(w.cgroupId).cgroup }, value: w.lockWaitNs / 1e9 });
      }
      return out;
    });
  },
};
