// Which workloads a walk stalled: lock-wait time on each top-K directory per cgroup of the waiter.
import { decodeDirKey, decodeDirStats } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Sample } from '../exposition.js';
import { CGROUPS_PER_DIRECTORY, dirIdKey, indexRootCause } from '../root-cause.js';
import { directoryLabels, topDirectories } from '../top-directories.js';

export const cgroupWaits: Collector = {
  name: 'cgroup_waits',
  setup(m, { maps, topDirectories: k, pathLabels, cgroups }) {
    m.samples(METRICS.directoryLockWaitByCgroup, () => {
      const s = maps.get();
      const idx = maps.derive(indexRootCause);
      const out: Sample[] = [];
      for (const d of topDirectories(s.dirs, k)) {
        const entry = { key: decodeDirKey(d.key), stats: decodeDirStats(d.value) };
        for (const w of (idx.waits.get(dirIdKey(entry.key)) ?? []).slice(0, CGROUPS_PER_DIRECTORY))
          out.push({ labels: { ...directoryLabels(entry, pathLabels), cgroup: cgroups.resolve(w.cgroupId).cgroup }, value: w.lockWaitNs / 1e9 });
      }
      return out;
    });
  },
};
