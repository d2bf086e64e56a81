// Spin waits on the locks of the directories being walked, and what the lock probe filtered.
import { Counter, LOCK_KINDS } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { durationHistogram } from '../log2-histogram.js';

export const locks: Collector = {
  name: 'locks',
  setup(m, { maps }) {
    const c = (i: number) => maps.counter(i);
    m.histogram(METRICS.lockWait, () =>
      LOCK_KINDS.map((lock, i) => ({ labels: { lock }, histogram: durationHistogram(maps.get().lockWait[i] ?? [], c(Counter.LOCK_WAIT_NS_I_LOCK + i)) })),
    );
    m.samples(METRICS.lockProbeCalls, () => [
      { labels: { result: 'matched' }, value: c(Counter.LOCK_PROBE_MATCHED) },
      { labels: { result: 'filtered_out' }, value: Math.max(0, c(Counter.LOCK_PROBE_CALLS) - c(Counter.LOCK_PROBE_MATCHED)) },
    ]);
  },
};
