// fsnotify_directory_dentry_creations_total: dentries created per diagnosed directory, negative and
// positive apart; absent while the creator probes are off (nothing to say, not zero).
import { CHILD_KINDS } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { LabelSet, type Sample } from '../exposition.js';
import { diagnosisLabels } from '../diagnosis-labels.js';

const KIND_LABELS = CHILD_KINDS.map((kind) => [kind, new LabelSet({ kind })] as const);

export const dentryCreations: Collector = {
  name: 'dentry_creations',
  setup(m, { directoryCounts, pathLabels }) {
    m.samples(METRICS.directoryDentryCreations, () =>
      (directoryCounts?.() ?? []).flatMap((d): Sample[] => {
        const c = d.dentry_creations;
        if (!c) return [];
        const shared = diagnosisLabels(d, pathLabels);
        return KIND_LABELS.map(([kind, labels]) => ({ shared, labels, value: c[kind] }));
      }),
    );
  },
};
