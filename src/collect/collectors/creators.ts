// Who fills directories with dentries: the largest creators in each diagnosed directory (the
// diagnosis's directories, as fsnotify_directory_dentry_creations_total has them: dentry-creations.ts).
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { diagnosisLabels } from '../diagnosis-labels.js';
import type { Sample } from '../exposition.js';
import { CREATORS_PER_DIRECTORY, indexRootCause } from '../root-cause.js';
import { dirText } from '../../diagnosis/dir-identity.js';

const KINDS = [
  ['positive', 'positive'],
  ['negative', 'negative'],
] as const;

export const creators: Collector = {
  name: 'creators',
  setup(m, { maps, directoryCounts, pathLabels, cgroups }) {
    m.samples(METRICS.directoryDentryCreators, () => {
      const idx = maps.derive(indexRootCause);
      const out: Sample[] = [];
      for (const d of directoryCounts?.() ?? []) {
        const shared = diagnosisLabels(d, pathLabels);
        for (const r of (idx.creators.get(dirText(d.dir).key) ?? []).slice(0, CREATORS_PER_DIRECTORY)) {
          const labels = { comm: r.comm, cgroup: cgroups.resolve(r.cgroupId).cgroup };
          for (const [kind, f] of KINDS) out.push({ shared, labels: { ...labels, kind }, value: r[f] });
        }
      }
      return out;
    });
  },
};
