// The cgroup id → identity resolver: its cache, its walks of the cgroup2 tree, and the ids it
// could not name.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const cgroups: Collector = {
  name: 'cgroups',
  setup(m, { cgroupResolver }) {
    const one = (value: (s: NonNullable<typeof cgroupResolver>['stats']) => number) => () => (cgroupResolver ? [{ labels: {}, value: value(cgroupResolver.stats) }] : []);
    m.samples(METRICS.cgroupLookups, () =>
      cgroupResolver
        ? [
            { labels: { result: 'hit' }, value: cgroupResolver.stats.hits },
            { labels: { result: 'miss' }, value: cgroupResolver.stats.misses },
          ]
        : [],
    );
    m.samples(METRICS.cgroupCacheEvictions, one((s) => s.evictions));
    m.samples(METRICS.cgroupUnresolved, one((s) => s.unresolved));
    m.samples(METRICS.cgroupRescans, one((s) => s.rescans));
    m.samples(METRICS.cgroupRescanDropped, one((s) => s.indexDropped));
  },
};
