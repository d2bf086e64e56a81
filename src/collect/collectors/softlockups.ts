// Walks the daemon flagged as near a soft lockup, and the soft lockups the kernel reported.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const softlockups: Collector = {
  name: 'softlockups',
  setup(m, { counts }) {
    m.samples(METRICS.nearSoftlockup, () => [{ labels: {}, value: counts.nearSoftlockups }]);
    m.samples(METRICS.softlockups, () => [
      { labels: { in_walk: 'true' }, value: counts.softlockups.inWalk },
      { labels: { in_walk: 'false' }, value: counts.softlockups.notInWalk },
    ]);
  },
};
