// Every metric the daemon exports by name, type, help and labels. Collectors render from these
// entries and the rule, dashboard and deploy tests check every PromQL expression against them, so
// a name cannot drift between the three.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

const spec = (name: string, type: MetricType, help: string, labels: readonly string[] = []): MetricSpec => ({
  name,
  type,
  help,
  labels,
});

const DIR_LABELS = ['device', 'inode', 'path'] as const;

export const METRICS = {
  walksTotal: spec('fsnotify_walks_total', 'counter', 'Child-dentry flag walks, by what started them.', ['trigger']),
  walkDuration: spec('fsnotify_walk_duration_seconds', 'histogram', 'Duration of child-dentry flag walks (log2 buckets from the kernel).', ['trigger']),
  walkChildren: spec('fsnotify_walk_children', 'histogram', "Children on the walked directory's dcache child list, per walk.", ['kind']),
  walkChildrenScanTruncated: spec('fsnotify_walk_children_scan_truncated_total', 'counter', 'Child scans that stopped at the children_scan cap.'),
  walkChildrenScanBudgetCut: spec(
    'fsnotify_walk_children_scan_budget_cut_total',
    'counter',
    'Child scans cut by the per-run budget (children_scan.budget): the rest of the list is scanned on later walks.',
  ),
  walkChildrenScans: spec('fsnotify_walk_children_scans_total', 'counter', 'Child-list scans, fresh or served from the per-directory cache.', ['result']),
  walkConcurrentWalkers: spec('fsnotify_walk_concurrent_walkers', 'histogram', 'Walkers of the same directory at walk entry, this one included (herd size).'),
  walksInFlight: spec('fsnotify_walks_in_flight', 'gauge', 'Walks running now.'),
  walksInFlightStale: spec(
    'fsnotify_exporter_walks_in_flight_stale_total',
    'counter',
    'In-flight walks dropped because their thread had left the walk: the exit probe missed it (another tool rebuilt the walk function\'s BPF trampoline).',
  ),
  walkInFlightMaxAge: spec('fsnotify_walk_in_flight_max_age_seconds', 'gauge', 'Age of the oldest walk still running.'),
  lockWait: spec('fsnotify_lock_wait_seconds', 'histogram', "Spin waits on the locks of directories being walked.", ['lock']),
  parentCalls: spec('fsnotify_parent_calls_total', 'counter', 'Calls of __fsnotify_parent().'),
  slowWalks: spec('fsnotify_slow_walks_total', 'counter', 'Walks longer than the slow_walk threshold.'),
  directoryWalks: spec('fsnotify_directory_walks_total', 'counter', 'Walks of one directory (top-K directories by walk time).', DIR_LABELS),
  directoryWalkSeconds: spec('fsnotify_directory_walk_seconds_total', 'counter', 'Time spent walking one directory (top-K directories).', DIR_LABELS),
  directoryLockWaitSeconds: spec('fsnotify_directory_lock_wait_seconds_total', 'counter', "Spin-wait time on one directory's locks (top-K directories).", [...DIR_LABELS, 'lock']),
  directoryChildren: spec('fsnotify_directory_children', 'gauge', "Children of one directory at its last scan (top-K directories).", [...DIR_LABELS, 'kind']),
  directoryDentryCreations: spec(
    'fsnotify_directory_dentry_creations_total',
    'counter',
    'Dentries created in one directory since the daemon started (lookup misses, unlinks: negative; creates, lookup hits: positive), for the top-K walked and the top-K filling (most negative) directories. Resets when the kernel LRU map evicts the directory.',
    [...DIR_LABELS, 'kind'],
  ),
  directoryDentryCreators: spec(
    'fsnotify_directory_dentry_creators_total',
    'counter',
    'Dentries created in one directory per creator (comm and cgroup), the 5 largest per directory of those in fsnotify_directory_dentry_creations_total.',
    [...DIR_LABELS, 'comm', 'cgroup', 'kind'],
  ),
  watchChangesByProcess: spec('fsnotify_watch_changes_by_process_total', 'counter', 'inotify/fanotify marks added and removed on directories, per comm and cgroup (the 20 busiest).', ['comm', 'cgroup', 'op']),
  directoryLockWaitByCgroup: spec(
    'fsnotify_directory_lock_wait_by_cgroup_seconds_total',
    'counter',
    "Spin-wait time on one directory's locks during its walks, per cgroup of the waiter (top-K directories, the 5 largest cgroups each).",
    [...DIR_LABELS, 'cgroup'],
  ),
  directoryWatchers: spec(
    'fsnotify_directory_watchers',
    'gauge',
    'inotify and fanotify marks held on one directory (top-K walked and top-K filling directories).',
    [...DIR_LABELS, 'api'],
  ),
  softlockupThreshold: spec('fsnotify_softlockup_threshold_seconds', 'gauge', 'Soft-lockup threshold: 2 x kernel.watchdog_thresh.'),
  nearSoftlockup: spec('fsnotify_near_softlockup_total', 'counter', 'Walks that, while still running, passed near_softlockup.ratio of the soft-lockup threshold.'),
  softlockups: spec('fsnotify_softlockups_total', 'counter', 'Soft-lockup reports in the kernel log, by whether the backtrace names the walk.', ['in_walk']),
  kernelInfo: spec('fsnotify_kernel_info', 'gauge', 'The running kernel and which fsnotify code path it has.', ['release', 'arch', 'walk_function', 'child_list', 'lazy_clear']),
  dcacheDentries: spec('fsnotify_dcache_dentries', 'gauge', 'Dentries in the dcache, from /proc/sys/fs/dentry-state.', ['state']),
  watchChanges: spec('fsnotify_watch_changes_total', 'counter', 'inotify/fanotify watch add and remove calls.', ['api', 'op']),
  buildInfo: spec('fsnotify_exporter_build_info', 'gauge', 'Build and runtime versions.', ['version', 'nodejs', 'libbpf', 'arch']),
  probeAttached: spec('fsnotify_exporter_probe_attached', 'gauge', 'Whether each probe is attached (1) or not (0), and how.', ['probe', 'mechanism']),
  childrenScanLimit: spec(
    'fsnotify_exporter_children_scan_limit',
    'gauge',
    'Children a child scan counts exactly; longer lists are counted up to it and the scan counted as truncated. scan=bounded: the kernel has no bpf_loop (before 5.17).',
    ['scan'],
  ),
  lockWaitMechanism: spec('fsnotify_exporter_lock_wait_mechanism', 'gauge', 'How lock waits are measured.', ['mechanism']),
  walkEntryRun: spec(
    'fsnotify_exporter_walk_entry_run_seconds',
    'histogram',
    "The walk entry program's run time per walk, its child scan included (log2 buckets from the kernel): the latency the daemon adds to a walk, with preemption off before the walk takes its locks.",
  ),
  lockProbeCalls: spec('fsnotify_exporter_lock_probe_calls_total', 'counter', 'Lock slow-path probe runs, by whether the lock belonged to a walked directory.', ['result']),
  mapEntries: spec('fsnotify_exporter_map_entries', 'gauge', 'Entries in each bounded BPF map.', ['map']),
  mapCapacity: spec('fsnotify_exporter_map_capacity', 'gauge', 'Capacity of each bounded BPF map.', ['map']),
  mapDrops: spec('fsnotify_exporter_map_drops_total', 'counter', 'Updates a full BPF map could not take.', ['map']),
  eventsLost: spec('fsnotify_exporter_events_lost_total', 'counter', 'Slow-walk events lost because the ring buffer was full.'),
  slowWalkEventsRead: spec('fsnotify_exporter_slow_walk_events_read_total', 'counter', 'Slow-walk events read from the ring buffer.'),
  slowWalkEventsEvicted: spec(
    'fsnotify_exporter_slow_walk_events_evicted_total',
    'counter',
    'Slow-walk events pushed out of the list /api/v1/slow-walks serves (it keeps the newest --slow-walk.max-events).',
  ),
  programRunSeconds: spec('fsnotify_exporter_bpf_program_run_seconds_total', 'counter', 'CPU time spent in each BPF program (needs kernel.bpf_stats_enabled=1).', ['program']),
  programRuns: spec('fsnotify_exporter_bpf_program_runs_total', 'counter', 'Runs of each BPF program (needs kernel.bpf_stats_enabled=1).', ['program']),
  programMisses: spec('fsnotify_exporter_bpf_program_misses_total', 'counter', 'Runs of each BPF program the kernel skipped because that program (fentry/fexit) or another kprobe program was already running on the CPU: events it did not count (bpf_prog_info recursion_misses, 5.12+).', ['program']),
  watcherScans: spec('fsnotify_exporter_watcher_scans_total', 'counter', 'Scans of /proc/<pid>/fdinfo for inotify and fanotify marks.'),
  watcherHolderChecks: spec('fsnotify_exporter_watcher_holder_checks_total', 'counter', "Checks, in place of a periodic scan, that found every mark holder's inotify or fanotify fd still open."),
  watcherScanSeconds: spec('fsnotify_exporter_watcher_scan_seconds', 'gauge', 'Wall time of the last /proc mark scan (it yields to the event loop between batches of processes).'),
  watcherMarks: spec('fsnotify_exporter_watcher_marks', 'gauge', 'inotify and fanotify marks in the watcher index after the last scan.'),
  watcherMarksDropped: spec('fsnotify_exporter_watcher_marks_dropped_total', 'counter', 'Marks a scan found but did not keep (over the marks or processes bound), summed over scans.'),
  cgroupLookups: spec('fsnotify_exporter_cgroup_lookups_total', 'counter', 'Cgroup id lookups, by whether the identity cache had the id.', ['result']),
  cgroupCacheEvictions: spec('fsnotify_exporter_cgroup_cache_evictions_total', 'counter', 'Identities pushed out of the bounded cgroup identity cache.'),
  cgroupUnresolved: spec('fsnotify_exporter_cgroup_unresolved_total', 'counter', 'Cgroup ids left without a path (gone, or the rescan was rate-limited); they get cgroup="".'),
  cgroupRescans: spec('fsnotify_exporter_cgroup_rescans_total', 'counter', 'Walks of the cgroup2 tree to map ids to paths (on a miss, rate-limited).'),
  cgroupRescanDropped: spec('fsnotify_exporter_cgroup_rescan_dropped', 'gauge', 'Cgroup directories the last walk left out (over its bound).'),
  scrapeDuration: spec('fsnotify_exporter_scrape_duration_seconds', 'gauge', 'Time the last collection of BPF maps took.'),
  collectorSuccess: spec('fsnotify_exporter_collector_success', 'gauge', 'Whether each collector succeeded at this scrape (1) or not (0).', ['collector']),
  collectorDuration: spec('fsnotify_exporter_collector_duration_seconds', 'gauge', 'Time each collector took at this scrape.', ['collector']),
  // prom-client's names for the event-loop lag, which the daemon samples itself (event-loop-lag.ts)
  eventLoopLag: spec('nodejs_eventloop_lag_seconds', 'gauge', 'Lag of event loop in seconds.'),
  eventLoopLagMax: spec('nodejs_eventloop_lag_max_seconds', 'gauge', 'The maximum recorded event loop delay.'),
  eventLoopLagP99: spec('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of the recorded event loop delays.'),
  // the process metrics under prom-client's default names and help (collectors/process.ts)
  processCpuUser: spec('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.'),
  processCpuSystem: spec('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.'),
  processCpu: spec('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.'),
  processStartTime: spec('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.'),
  processResidentMemory: spec('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.'),
  processVirtualMemory: spec('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.'),
  processHeap: spec('process_heap_bytes', 'gauge', 'Process heap size in bytes.'),
  processOpenFds: spec('process_open_fds', 'gauge', 'Number of open file descriptors.'),
  processMaxFds: spec('process_max_fds', 'gauge', 'Maximum number of open file descriptors.'),
  nodeActiveResources: spec('nodejs_active_resources', 'gauge', 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', ['type']),
  nodeActiveHandles: spec('nodejs_active_handles', 'gauge', 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.', ['type']),
  nodeActiveRequests: spec('nodejs_active_requests', 'gauge', 'Number of active libuv requests grouped by request type. Every request type is C++ class name.', ['type']),
  nodeHeapTotal: spec('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.'),
  nodeHeapUsed: spec('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.'),
  nodeExternalMemory: spec('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.'),
  nodeHeapSpaceTotal: spec('nodejs_heap_space_size_total_bytes', 'gauge', 'Process heap space size total from Node.js in bytes.', ['space']),
  nodeHeapSpaceUsed: spec('nodejs_heap_space_size_used_bytes', 'gauge', 'Process heap space size used from Node.js in bytes.', ['space']),
  nodeHeapSpaceAvailable: spec('nodejs_heap_space_size_available_bytes', 'gauge', 'Process heap space size available from Node.js in bytes.', ['space']),
  nodeVersion: spec('nodejs_version_info', 'gauge', 'Node.js version info.', ['version', 'major', 'minor', 'patch']),
  nodeGcDuration: spec('nodejs_gc_duration_seconds', 'histogram', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', ['kind']),
} as const satisfies Record<string, MetricSpec>;

export const ALL_METRICS: readonly MetricSpec[] = Object.values(METRICS);

/** Names as they appear in the exposition, histogram series included. */
export function exposedSeriesNames(m: MetricSpec): string[] {
  return m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}
