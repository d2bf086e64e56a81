// fsnotify_directory_watchers: marks held on each diagnosed directory, by api, so a dashboard sees
// which huge directory someone watches (the next watch change re-walks it).
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { LabelSet, type Sample } from '../exposition.js';
import { diagnosisLabels } from '../diagnosis-labels.js';

const APIS = ['inotify', 'fanotify'] as const;
const API_LABELS = APIS.map((api) => new LabelSet({ api }));

export const directoryWatchers: Collector = {
  name: 'directory_watchers',
  setup(m, { directoryCounts, pathLabels }) {
    m.samples(METRICS.directoryWatchers, () => {
      const out: Sample[] = [];
      for (const d of directoryCounts?.() ?? []) {
        const shared = diagnosisLabels(d, pathLabels);
        let inotify = 0;
        for (const w of d.watchers) if (w.api === 'inotify') inotify++;
        // both apis always: a mark that went away is a 0, not a vanished series
        out.push({ shared, labels: API_LABELS[0] as LabelSet, value: inotify }, { shared, labels: API_LABELS[1] as LabelSet, value: d.watchers.length - inotify });
      }
      return out;
    });
  },
};
