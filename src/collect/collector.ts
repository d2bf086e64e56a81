// What a collector is and what it may read. Modelled on node_exporter's collector package: each
// collector is one file under collectors/, listed once in registry.ts; a scrape runs every one,
// and one that throws is reported (fsnotify_exporter_collector_success 0) while the rest are served.
import type { LockWaitMechanism, ProbeStatus } from '../bpf/attach-plan.js';
import type { DirectoryCounts } from '../diagnosis/assemble.js';
import type { CgroupResolverStats } from '../kernel/cgroup/resolver.js';
import type { CgroupResolver } from '../diagnosis/model.js';
import type { DentryState } from '../kernel/dentry-state.js';
import type { KernelInfo } from '../kernel/kernel-info.js';
import type { WatcherScanStats } from '../kernel/watcher-index.js';
import type { CollectorMetrics } from './exposition.js';
import type { SnapshotCache } from './snapshot.js';

export type { CollectorMetrics } from './exposition.js';

/** Counts the daemon keeps itself. */
export interface DaemonCounts {
  /** walks reported as near a soft lockup */
  nearSoftlockups: number;
  /** soft-lockup reports in /dev/kmsg, by whether the walk is in the backtrace */
  softlockups: { inWalk: number; notInWalk: number };
  /** walks_in_flight entries dropped because their thread had left the walk (a missed exit) */
  staleWalksInFlight: number;
}

/** Everything any collector reads; src/daemon/instrument.ts builds it. */
export interface CollectorContext {
  /** the BPF maps, read once per scrape */
  readonly maps: SnapshotCache;
  /** map name → max_entries */
  readonly capacities: ReadonlyMap<string, number>;
  readonly topDirectories: number;
  readonly pathLabels: boolean;
  /** cgroup ids of creators, churners and waiters to their cgroup label, and the resolver's own counts */
  readonly cgroups: CgroupResolver & { readonly stats: CgroupResolverStats };
  readonly kernel: KernelInfo;
  readonly version: string;
  readonly libbpfVersion: string;
  readonly dentryState: () => DentryState | undefined;
  readonly softlockupThresholdSeconds: () => number;
  readonly probes: () => readonly ProbeStatus[];
  readonly lockWaitMechanism: () => LockWaitMechanism;
  /** how the walk's child scan runs, and how many children it counts exactly */
  readonly childrenScan: () => { scan: string; limit: number };
  /** run time and count per attached program (zero unless kernel.bpf_stats_enabled=1), and the runs the kernel skipped */
  readonly programStats: () => ReadonlyArray<{ program: string; runTimeNs: bigint; runCount: bigint; recursionMisses: bigint }>;
  readonly slowWalkEvents: { readonly read: number; readonly evicted: number };
  /** the diagnosis's directories with their marks and creations (src/diagnosis/assemble.ts directoryCounts); absent: no series */
  readonly directoryCounts?: () => readonly DirectoryCounts[];
  readonly counts: DaemonCounts;
  /** the /proc mark scanner behind watchers (absent: not running) */
  readonly watcherIndex?: { readonly stats: WatcherScanStats };
}

export interface Collector {
  /** the `collector` label of its success and duration series */
  readonly name: string;
  /** Declares its metrics (names and help from catalog.ts); may return a stop function. */
  setup(m: CollectorMetrics, ctx: CollectorContext): void | (() => void);
}
