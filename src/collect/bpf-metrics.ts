// Metrics read from the BPF maps at scrape time.
import { CHILD_KINDS, Counter, LOCK_KINDS, MAP_DROP_COUNTERS, TRIGGERS } from '../bpf/abi.js';
import { METRICS } from './catalog.js';
import { DIRECTORY_METRICS, DirectorySeries } from './directory-series.js';
import { registerHistogram, registerSamples, type Exposition } from './exposition.js';
import { toHistogram } from './log2-histogram.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';
import { topDirectories } from './top-directories.js';

/** Duration buckets start at 1.024 µs (slot 9 ends at 2^10 ns): finer ones say nothing here. */
const FIRST_DURATION_BUCKET_SLOT = 9;

export interface BpfMetricsOptions {
  topDirectories: number;
  pathLabels: boolean;
  /** map name → capacity (max_entries) */
  capacities: ReadonlyMap<string, number>;
}

const n = (v: number | undefined): number => v ?? 0;

export function inFlightMaxAgeSeconds(s: Snapshot): number {
  let oldest = s.readAtNs;
  for (const w of s.inFlight) if (w.startNs < oldest) oldest = w.startNs;
  return Number(s.readAtNs - oldest) / 1e9;
}

/** LRU maps evict instead of refusing: what it evicted is what it inserted minus what it holds. */
export function dirStatsEvictions(s: Snapshot): number {
  return Math.max(0, n(s.counters[Counter.DIR_STATS_INSERTS]) - (s.mapEntries.get('dir_stats') ?? 0));
}

export function registerBpfMetrics(registry: Exposition, cache: SnapshotCache, opts: BpfMetricsOptions): void {
  const c = (i: number) => n(cache.get().counters[i]);

  registerSamples(registry, METRICS.walksTotal, () => [
    { labels: { trigger: 'watch_change' }, value: c(Counter.WALKS_WATCH_CHANGE) },
    { labels: { trigger: 'parent_event' }, value: c(Counter.WALKS_PARENT_EVENT) },
  ]);
  registerHistogram(registry, METRICS.walkDuration, () =>
    TRIGGERS.map((trigger, i) => ({
      labels: { trigger },
      histogram: toHistogram(cache.get().walkDuration[i] ?? [], c(Counter.WALK_NS_WATCH_CHANGE + i), 'nanoseconds', FIRST_DURATION_BUCKET_SLOT),
    })),
  );
  registerHistogram(registry, METRICS.walkChildren, () =>
    CHILD_KINDS.map((kind, i) => ({
      labels: { kind },
      histogram: toHistogram(cache.get().walkChildren[i] ?? [], c(Counter.CHILDREN_POSITIVE_SUM + i), 'count'),
    })),
  );
  registerSamples(registry, METRICS.walkChildrenScanTruncated, () => [{ labels: {}, value: c(Counter.SCANS_TRUNCATED) }]);
  registerSamples(registry, METRICS.walkChildrenScans, () => [
    { labels: { result: 'scanned' }, value: c(Counter.SCANS) },
    { labels: { result: 'cached' }, value: c(Counter.SCANS_CACHED) },
  ]);
  registerHistogram(registry, METRICS.walkConcurrentWalkers, () => [
    { labels: {}, histogram: toHistogram(cache.get().walkConcurrency, c(Counter.CONCURRENT_WALKERS_SUM), 'count') },
  ]);
  registerSamples(registry, METRICS.walksInFlight, () => [{ labels: {}, value: cache.get().inFlight.length }]);
  registerSamples(registry, METRICS.walkInFlightMaxAge, () => [{ labels: {}, value: inFlightMaxAgeSeconds(cache.get()) }]);
  registerHistogram(registry, METRICS.lockWait, () =>
    LOCK_KINDS.map((lock, i) => ({
      labels: { lock },
      histogram: toHistogram(cache.get().lockWait[i] ?? [], c(Counter.LOCK_WAIT_NS_I_LOCK + i), 'nanoseconds', FIRST_DURATION_BUCKET_SLOT),
    })),
  );
  registerSamples(registry, METRICS.parentCalls, () => [{ labels: {}, value: c(Counter.PARENT_CALLS) }]);
  registerSamples(registry, METRICS.slowWalks, () => [{ labels: {}, value: c(Counter.SLOW_WALKS) }]);
  registerSamples(registry, METRICS.watchChanges, () => [
    { labels: { api: 'inotify', op: 'add' }, value: c(Counter.WATCH_INOTIFY_ADD) },
    { labels: { api: 'inotify', op: 'remove' }, value: c(Counter.WATCH_INOTIFY_REMOVE) },
    { labels: { api: 'fanotify', op: 'add' }, value: c(Counter.WATCH_FANOTIFY_ADD) },
    { labels: { api: 'fanotify', op: 'remove' }, value: c(Counter.WATCH_FANOTIFY_REMOVE) },
  ]);
  registerSamples(registry, METRICS.lockProbeCalls, () => [
    { labels: { result: 'matched' }, value: c(Counter.LOCK_PROBE_MATCHED) },
    { labels: { result: 'filtered_out' }, value: Math.max(0, c(Counter.LOCK_PROBE_CALLS) - c(Counter.LOCK_PROBE_MATCHED)) },
  ]);
  registerSamples(registry, METRICS.eventsLost, () => [{ labels: {}, value: c(Counter.EVENTS_LOST) }]);

  // Per-directory series: top-K only, so at most K series per metric and label combination.
  // Four metrics ask per scrape: cut and render once per snapshot.
  const series = new DirectorySeries(opts.pathLabels);
  const directoryLines = (s: Snapshot) => series.lines(topDirectories(s.dirs, opts.topDirectories));
  DIRECTORY_METRICS.forEach((spec, i) => registry.lines(spec, () => cache.derive(directoryLines)[i] ?? []));

  // Self-metrics: every bounded map has a size and a counter for what it dropped.
  registerSamples(registry, METRICS.mapEntries, () => [...cache.get().mapEntries].map(([map, v]) => ({ labels: { map }, value: v })));
  registerSamples(registry, METRICS.mapCapacity, () => [...opts.capacities].map(([map, v]) => ({ labels: { map }, value: v })));
  registerSamples(registry, METRICS.mapDrops, () => [
    ...Object.entries(MAP_DROP_COUNTERS).map(([map, i]) => ({ labels: { map }, value: c(i) })),
    { labels: { map: 'dir_stats' }, value: dirStatsEvictions(cache.get()) },
  ]);
  registerSamples(registry, METRICS.scrapeDuration, () => [{ labels: {}, value: cache.get().readSeconds }]);
}
