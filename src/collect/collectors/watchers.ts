// The /proc mark scanner behind /api/v1/directories' watchers: how often it ran, what the last run
// cost, and what its bounds left out.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const watchers: Collector = {
  name: 'watchers',
  setup(m, { watcherIndex }) {
    const one = (value: (s: NonNullable<typeof watcherIndex>['stats']) => number) => () => (watcherIndex ? [{ labels: {}, value: value(watcherIndex.stats) }] : []);
    m.samples(METRICS.watcherScans, one((s) => s.scans));
    m.samples(METRICS.watcherHolderChecks, one((s) => s.holderChecks));
    m.samples(METRICS.watcherScanSeconds, one((s) => s.lastScanSeconds));
    m.samples(METRICS.watcherMarks, one((s) => s.marks));
    m.samples(METRICS.watcherMarksDropped, one((s) => s.marksDropped));
  },
};
