// inotify and fanotify watch adds and removes, counted by the watch-syscall probes.
import { WATCH_COUNTERS } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const watchChanges: Collector = {
  name: 'watch_changes',
  setup(m, { maps }) {
    m.samples(METRICS.watchChanges, () => WATCH_COUNTERS.map(({ api, op, counter }) => ({ labels: { api, op }, value: maps.counter(counter) })));
  },
};
