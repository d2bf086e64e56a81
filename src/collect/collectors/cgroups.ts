// The cgroup id → identity resolver: its cache, its walks of the cgroup2 tree, and the ids it
// could not name.
import type { CgroupResolverStats } from '../../kernel/cgroup/resolver.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const cgroups: Collector = {
  name: 'cgroups',
  setup(m, { cgroups }) {
    const one = (value: (s: CgroupResolverStats) => number) => () => [{ labels: {}, value: value(cgroups.stats) }];
    m.samples(METRICS.cgroupLookups, () => [
      { labels: { result: 'hit' }, value: cgroups.stats.hits },
      { labels: { result: 'miss' }, value: cgroups.stats.misses },
    ]);
    m.samples(METRICS.cgroupCacheEvictions, one((s) => s.evictions));
    m.samples(METRICS.cgroupUnresolved, one((s) => s.unresolved));
    m.samples(METRICS.cgroupRescans, one((s) => s.rescans));
    m.samples(METRICS.cgroupRescanDropped, one((s) => s.indexDropped));
  },
};
