// fsnotify_directory_watchers: marks held on each diagnosed directory, by api, so a dashboard sees
// which huge directory someone watches (the next watch change re-walks it).
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Sample } from '../exposition.js';
import { diagnosisLabels } from '../diagnosis-labels.js';

const APIS = ['inotify', 'fanotify'] as const;

export const directoryWatchers: Collector = {
  name: 'directory_watchers',
  setup(m, { directoryCounts, pathLabels }) {
    m.samples(METRICS.directoryWatchers, () =>
      (directoryCounts?.() ?? []).flatMap((d): Sample[] => {
        const shared = diagnosisLabels(d, pathLabels);
        // both apis always: a mark that went away is a 0, not a vanished series
        return APIS.map((api) => ({ shared, labels: { api }, value: d.watchers.filter((w) => w.api === api).length }));
      }),
    );
  },
};
