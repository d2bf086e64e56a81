// The walks: how many, how long, over how many children, how many walkers at once, which run now.
import { CHILD_KINDS, Counter, TRIGGERS } from '../../bpf/abi.js';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { durationHistogram, toHistogram } from '../log2-histogram.js';
import type { Snapshot } from '../snapshot.js';

export function inFlightMaxAgeSeconds(s: Snapshot): number {
  let oldest = s.readAtNs;
  for (const w of s.inFlight) if (w.startNs < oldest) oldest = w.startNs;
  return Number(s.readAtNs - oldest) / 1e9;
}

export const walks: Collector = {
  name: 'walks',
  setup(m, { maps, counts }) {
    const c = (i: number) => maps.counter(i);
    m.samples(METRICS.walksTotal, () => [
      { labels: { trigger: 'watch_change' }, value: c(Counter.WALKS_WATCH_CHANGE) },
      { labels: { trigger: 'parent_event' }, value: c(Counter.WALKS_PARENT_EVENT) },
    ]);
    m.histogram(METRICS.walkDuration, () =>
      TRIGGERS.map((trigger, i) => ({ labels: { trigger }, histogram: durationHistogram(maps.get().walkDuration[i] ?? [], c(Counter.WALK_NS_WATCH_CHANGE + i)) })),
    );
    m.histogram(METRICS.walkChildren, () =>
      CHILD_KINDS.map((kind, i) => ({ labels: { kind }, histogram: toHistogram(maps.get().walkChildren[i] ?? [], c(Counter.CHILDREN_POSITIVE_SUM + i), 'count') })),
    );
    m.samples(METRICS.walkChildrenScanTruncated, () => [{ labels: {}, value: c(Counter.SCANS_TRUNCATED) }]);
    m.samples(METRICS.walkChildrenScanBudgetCut, () => [{ labels: {}, value: c(Counter.SCANS_BUDGET_CUT) }]);
    m.histogram(METRICS.walkEntryRun, () => [{ labels: {}, histogram: durationHistogram(maps.get().walkEntryRun, c(Counter.WALK_ENTRY_RUN_NS)) }]);
    m.samples(METRICS.walkChildrenScans, () => [
      { labels: { result: 'scanned' }, value: c(Counter.SCANS) },
      { labels: { result: 'cached' }, value: c(Counter.SCANS_CACHED) },
    ]);
    m.histogram(METRICS.walkConcurrentWalkers, () => [
      { labels: {}, histogram: toHistogram(maps.get().walkConcurrency, c(Counter.CONCURRENT_WALKERS_SUM), 'count') },
    ]);
    m.samples(METRICS.walksInFlight, () => [{ labels: {}, value: maps.get().inFlight.length }]);
    m.samples(METRICS.walkInFlightMaxAge, () => [{ labels: {}, value: inFlightMaxAgeSeconds(maps.get()) }]);
    m.samples(METRICS.walksInFlightStale, () => [{ labels: {}, value: counts.staleWalksInFlight }]);
    m.samples(METRICS.parentCalls, () => [{ labels: {}, value: c(Counter.PARENT_CALLS) }]);
    m.samples(METRICS.slowWalks, () => [{ labels: {}, value: c(Counter.SLOW_WALKS) }]);
  },
};
