// Slow-walk events read from the ring buffer, and those pushed out of the API's list.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const slowWalkEvents: Collector = {
  name: 'slow_walk_events',
  setup(m, { slowWalkEvents: events }) {
    m.samples(METRICS.slowWalkEventsRead, () => [{ labels: {}, value: events.read }]);
    m.samples(METRICS.slowWalkEventsEvicted, () => [{ labels: {}, value: events.evicted }]);
  },
};
