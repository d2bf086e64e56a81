// The BPF side's own health: every bounded map's size, capacity and drops, ring-buffer losses, and
// how long reading the maps took.
import { Counter, LRU_INSERT_COUNTERS, MAP_DROP_COUNTERS } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Snapshot } from '../snapshot.js';

/** LRU maps evict instead of refusing: what one evicted is what it inserted minus what it holds. */
export function lruEvictions(s: Snapshot, map: string): number {
  const inserts = LRU_INSERT_COUNTERS[map];
  return inserts === undefined ? 0 : Math.max(0, (s.counters[inserts] ?? 0) - (s.mapEntries.get(map) ?? 0));
}


export const bpfMaps: Collector = {
  name: 'bpf_maps',
  setup(m, { maps, capacities }) {
    m.samples(METRICS.mapEntries, () => [...maps.get().mapEntries].map(([map, v]) => ({ labels: { map }, value: v })));
    m.samples(METRICS.mapCapacity, () => [...capacities].map(([map, v]) => ({ labels: { map }, value: v })));
    m.samples(METRICS.mapDrops, () => [
      ...Object.entries(MAP_DROP_COUNTERS).map(([map, i]) => ({ labels: { map }, value: maps.counter(i) })),
      ...Object.keys(LRU_INSERT_COUNTERS).map((map) => ({ labels: { map }, value: lruEvictions(maps.get(), map) })),
    ]);
    m.samples(METRICS.eventsLost, () => [{ labels: {}, value: maps.counter(Counter.EVENTS_LOST) }]);
    m.samples(METRICS.scrapeDuration, () => [{ labels: {}, value: maps.get().readSeconds }]);
  },
};
