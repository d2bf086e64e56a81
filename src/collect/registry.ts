// The one list of collectors. A new metric: its entry in catalog.ts and its collector file in
// collectors/ (a new collector is also added here).
import type { Collector, CollectorContext } from './collector.js';
import { bpfMaps } from './collectors/bpf-maps.js';
import { bpfPrograms } from './collectors/bpf-programs.js';
import { cgroups } from './collectors/cgroups.js';
import { cgroupWaits } from './collectors/cgroup-waits.js';
import { creators } from './collectors/creators.js';
import { dentryCreations } from './collectors/dentry-creations.js';
import { directories } from './collectors/directories.js';
import { directoryWatchers } from './collectors/directory-watchers.js';
import { eventLoopLag } from './collectors/event-loop-lag.js';
import { exporter } from './collectors/exporter.js';
import { kernel } from './collectors/kernel.js';
import { locks } from './collectors/locks.js';
import { nodeProcess } from './collectors/process.js';
import { slowWalkEvents } from './collectors/slow-walk-events.js';
import { softlockups } from './collectors/softlockups.js';
import { walks } from './collectors/walks.js';
import { watchChanges } from './collectors/watch-changes.js';
import { watchChurn } from './collectors/watch-churn.js';
import { watchers } from './collectors/watchers.js';
import type { Exposition } from './exposition.js';

export const COLLECTORS: readonly Collector[] = [
  nodeProcess,
  eventLoopLag,
  walks,
  locks,
  watchChanges,
  directories,
  directoryWatchers,
  dentryCreations,
  creators,
  watchChurn,
  cgroupWaits,
  softlockups,
  kernel,
  exporter,
  bpfMaps,
  bpfPrograms,
  slowWalkEvents,
  watchers,
  cgroups,
];

/** Registers every collector; the returned function stops the ones that run something. */
export function registerCollectors(exposition: Exposition, ctx: CollectorContext, collectors: readonly Collector[] = COLLECTORS): () => void {
  const stops = collectors.map((c) => exposition.register(c.name, (m) => c.setup(m, ctx)));
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
