// inotify and fanotify watch adds and removes, counted by the watch-syscall probes.
import { Counter } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const watchChanges: Collector = {
  name: 'watch_changes',
  setup(m, { maps }) {
    m.samples(METRICS.watchChanges, () => [
      { labels: { api: 'inotify', op: 'add' }, value: maps.counter(Counter.WATCH_INOTIFY_ADD) },
      { labels: { api: 'inotify', op: 'remove' }, value: maps.counter(Counter.WATCH_INOTIFY_REMOVE) },
      { labels: { api: 'fanotify', op: 'add' }, value: maps.counter(Counter.WATCH_FANOTIFY_ADD) },
      { labels: { api: 'fanotify', op: 'remove' }, value: maps.counter(Counter.WATCH_FANOTIFY_REMOVE) },
    ]);
  },
};
