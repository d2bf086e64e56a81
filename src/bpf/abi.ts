// Mirror of bpf/fsnotify.h: constants, struct layouts and decoders. test/bpf/abi.test.ts checks
// every constant against the header and every offset against the BTF of the compiled objects.

export const DURATION_SLOTS = 40;
export const COUNT_SLOTS = 32;
export const PATH_LEN = 256;
export const COMM_LEN = 16;
/** children a scan counts without bpf_loop */
export const SCAN_BOUNDED_MAX = 8192;
/** children between two checks for the list's end: the bounded scan's cap rounds up to it */
export const SCAN_BOUNDED_STEP = 32;

export const TRIGGERS = ['watch_change', 'parent_event'] as const;
export type Trigger = (typeof TRIGGERS)[number];
export const LOCK_KINDS = ['i_lock', 'd_lock'] as const;
export type LockKind = (typeof LOCK_KINDS)[number];
export const CHILD_KINDS = ['positive', 'negative'] as const;
export type ChildKind = (typeof CHILD_KINDS)[number];
export const WATCH_SYSCALLS = ['', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark'] as const;

/** enum counter: index in the per-CPU `counters` array. */
export const Counter = {
  PARENT_CALLS: 0,
  WALKS_WATCH_CHANGE: 1,
  WALKS_PARENT_EVENT: 2,
  SCANS: 3,
  SCANS_CACHED: 4,
  SCANS_TRUNCATED: 5,
  SLOW_WALKS: 8,
  EVENTS_LOST: 9,
  LOCK_PROBE_CALLS: 10,
  LOCK_PROBE_MATCHED: 11,
  LOCK_NEST_OVERFLOW: 12,
  WATCH_INOTIFY_ADD: 13,
  WATCH_INOTIFY_REMOVE: 14,
  WATCH_FANOTIFY_ADD: 15,
  WATCH_FANOTIFY_REMOVE: 16,
  DROP_WALKS_IN_FLIGHT: 17,
  DROP_WALKERS_BY_INODE: 18,
  DROP_WATCHED_LOCKS: 19,
  DROP_WATCH_SYSCALLS: 20,
  DIR_STATS_INSERTS: 21,
  WALK_NS_WATCH_CHANGE: 23,
  WALK_NS_PARENT_EVENT: 24,
  CHILDREN_POSITIVE_SUM: 25,
  CHILDREN_NEGATIVE_SUM: 26,
  CONCURRENT_WALKERS_SUM: 27,
  LOCK_WAIT_NS_I_LOCK: 28,
  LOCK_WAIT_NS_D_LOCK: 29,
  DIR_CREATIONS_INSERTS: 30,
  DIR_CREATORS_INSERTS: 31,
  WATCH_CHURN_INSERTS: 32,
  CGROUP_WAITS_INSERTS: 33,
  DROP_MARK_ADDS: 34,
  SCANS_BUDGET_CUT: 35,
  DROP_SCAN_CURSORS: 36,
  WALK_ENTRY_RUN_NS: 37,
} as const;
export const NR_COUNTERS = 38;

/** The watch-change counters of the watch-syscall probes, with fsnotify_watch_changes_total's labels. */
export const WATCH_COUNTERS = [
  { api: 'inotify', op: 'add', counter: Counter.WATCH_INOTIFY_ADD },
  { api: 'inotify', op: 'remove', counter: Counter.WATCH_INOTIFY_REMOVE },
  { api: 'fanotify', op: 'add', counter: Counter.WATCH_FANOTIFY_ADD },
  { api: 'fanotify', op: 'remove', counter: Counter.WATCH_FANOTIFY_REMOVE },
] as const;

/** Which counter says that a bounded map was full, per map. dir_stats is an LRU: see collectors. */
export const MAP_DROP_COUNTERS: Readonly<Record<string, number>> = {
  walks_in_flight: Counter.DROP_WALKS_IN_FLIGHT,
  watched_locks: Counter.DROP_WATCHED_LOCKS,
  watch_syscalls: Counter.DROP_WATCH_SYSCALLS,
  mark_adds_in_flight: Counter.DROP_MARK_ADDS,
  scan_cursors: Counter.DROP_SCAN_CURSORS,
  lock_nest: Counter.LOCK_NEST_OVERFLOW,
  events: Counter.EVENTS_LOST,
};

/** The LRU maps, and the counter of their inserts: what one evicted is inserts minus entries. */
export const LRU_INSERT_COUNTERS: Readonly<Record<string, number>> = {
  dir_stats: Counter.DIR_STATS_INSERTS,
  dir_creations: Counter.DIR_CREATIONS_INSERTS,
  dir_creators: Counter.DIR_CREATORS_INSERTS,
  watch_churn: Counter.WATCH_CHURN_INSERTS,
  cgroup_waits: Counter.CGROUP_WAITS_INSERTS,
};

/** Byte offsets, as laid out by clang for the BPF target (natural alignment, little endian). */
export const Layout = {
  dirKey: { size: 16, ino: 0, dev: 8 },
  dirStats: { size: 336, walks: 0, walkNs: 8, lockWaitNs: 16, children: 32, lastScanNs: 48, truncated: 56, path: 64, walkers: 320, locksAt: 328 },
  dirCreations: { size: 272, created: 0, path: 16 },
  dirActorKey: { size: 40, dir: 0, cgroupId: 16, comm: 24 },
  dirCreator: { size: 24, created: 0, tgid: 16 },
  watchChurn: { size: 16, adds: 0, removes: 8 },
  walkState: {
    size: 88,
    startNs: 0,
    inode: 8,
    dir: 16,
    children: 32,
    lockWaitNsAtStart: 48,
    locks: 64,
    concurrentWalkers: 80,
    trigger: 84,
    syscall: 85,
    truncated: 86,
    exiting: 87,
  },
  slowWalkEvent: {
    size: 360,
    startNs: 0,
    durationNs: 8,
    cgroupId: 16,
    children: 24,
    lockWaitNs: 40,
    dir: 56,
    pid: 72,
    tgid: 76,
    concurrentWalkers: 80,
    trigger: 84,
    syscall: 85,
    truncated: 86,
    comm: 88,
    path: 104,
  },
} as const;

export interface DirKey {
  ino: bigint;
  /** kernel dev_t: major << 20 | minor */
  dev: number;
}

export interface DirStats {
  walks: bigint;
  walkNs: bigint;
  lockWaitNs: [bigint, bigint];
  children: [bigint, bigint];
  lastScanNs: bigint;
  truncated: boolean;
  path: string;
}

export interface WalkState {
  startNs: bigint;
  inode: bigint;
  dir: DirKey;
  children: [bigint, bigint];
  concurrentWalkers: number;
  trigger: Trigger;
  syscall: string;
  truncated: boolean;
  /** the exit probe has begun: the walk has ended, its entry goes at the probe's end */
  exiting: boolean;
}

export interface SlowWalkRecord {
  startNs: bigint;
  durationNs: bigint;
  cgroupId: bigint;
  children: [bigint, bigint];
  lockWaitNs: [bigint, bigint];
  dir: DirKey;
  pid: number;
  tgid: number;
  concurrentWalkers: number;
  trigger: Trigger;
  syscall: string;
  truncated: boolean;
  comm: string;
  path: string;
}

export function cString(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}

/** "major:minor" from a kernel dev_t (MINORBITS = 20). */
export function formatDevice(dev: number): string {
  return `${dev >>> 20}:${dev & 0xfffff}`;
}

export function encodeDirKey(key: DirKey): Buffer {
  const b = Buffer.alloc(Layout.dirKey.size);
  b.writeBigUInt64LE(key.ino, Layout.dirKey.ino);
  b.writeUInt32LE(key.dev, Layout.dirKey.dev);
  return b;
}

export function decodeDirKey(b: Buffer, offset = 0): DirKey {
  return { ino: b.readBigUInt64LE(offset + Layout.dirKey.ino), dev: b.readUInt32LE(offset + Layout.dirKey.dev) };
}

const pair = (b: Buffer, offset: number): [bigint, bigint] => [b.readBigUInt64LE(offset), b.readBigUInt64LE(offset + 8)];

const trigger = (v: number): Trigger => TRIGGERS[v] ?? 'watch_change';

/** A u64 counter as a double, read in place (no BigInt): exact below 2^53, rounded above it, as Number(bigint) does. */
export const u64Number = (b: Buffer, offset: number): number => b.readUInt32LE(offset) + b.readUInt32LE(offset + 4) * 2 ** 32;

/** A dir_stats value's path alone. */
export const dirStatsPath = (b: Buffer): string => cString(b, Layout.dirStats.path, PATH_LEN);

export function decodeDirStats(b: Buffer): DirStats {
  const L = Layout.dirStats;
  return {
    walks: b.readBigUInt64LE(L.walks),
    walkNs: b.readBigUInt64LE(L.walkNs),
    lockWaitNs: pair(b, L.lockWaitNs),
    children: pair(b, L.children),
    lastScanNs: b.readBigUInt64LE(L.lastScanNs),
    truncated: b.readUInt32LE(L.truncated) !== 0,
    path: dirStatsPath(b),
  };
}

export function decodeWalkState(b: Buffer): WalkState {
  const L = Layout.walkState;
  return {
    startNs: b.readBigUInt64LE(L.startNs),
    inode: b.readBigUInt64LE(L.inode),
    dir: decodeDirKey(b, L.dir),
    children: pair(b, L.children),
    concurrentWalkers: b.readUInt32LE(L.concurrentWalkers),
    trigger: trigger(b.readUInt8(L.trigger)),
    syscall: WATCH_SYSCALLS[b.readUInt8(L.syscall)] ?? '',
    truncated: b.readUInt8(L.truncated) !== 0,
    exiting: b.readUInt8(L.exiting) !== 0,
  };
}

export function decodeSlowWalk(b: Buffer): SlowWalkRecord {
  const L = Layout.slowWalkEvent;
  return {
    startNs: b.readBigUInt64LE(L.startNs),
    durationNs: b.readBigUInt64LE(L.durationNs),
    cgroupId: b.readBigUInt64LE(L.cgroupId),
    children: pair(b, L.children),
    lockWaitNs: pair(b, L.lockWaitNs),
    dir: decodeDirKey(b, L.dir),
    pid: b.readUInt32LE(L.pid),
    tgid: b.readUInt32LE(L.tgid),
    concurrentWalkers: b.readUInt32LE(L.concurrentWalkers),
    trigger: trigger(b.readUInt8(L.trigger)),
    syscall: WATCH_SYSCALLS[b.readUInt8(L.syscall)] ?? '',
    truncated: b.readUInt8(L.truncated) !== 0,
    comm: cString(b, L.comm, COMM_LEN),
    path: cString(b, L.path, PATH_LEN),
  };
}

/** One row of dir_creators, watch_churn or cgroup_waits: a directory and who acted on it. */
export interface DirActorKey {
  dir: DirKey;
  cgroupId: bigint;
  /** "" in cgroup_waits */
  comm: string;
}

export function decodeDirActorKey(b: Buffer): DirActorKey {
  const L = Layout.dirActorKey;
  return { dir: decodeDirKey(b, L.dir), cgroupId: b.readBigUInt64LE(L.cgroupId), comm: cString(b, L.comm, COMM_LEN) };
}

export interface DirCreations {
  /** [positive, negative] */
  created: [bigint, bigint];
  path: string;
}

export function decodeDirCreations(b: Buffer): DirCreations {
  const L = Layout.dirCreations;
  return { created: pair(b, L.created), path: cString(b, L.path, PATH_LEN) };
}

export interface DirCreator {
  /** [positive, negative] */
  created: [bigint, bigint];
  tgid: number;
}

export function decodeDirCreator(b: Buffer): DirCreator {
  const L = Layout.dirCreator;
  return { created: pair(b, L.created), tgid: b.readUInt32LE(L.tgid) };
}

export function decodeWatchChurn(b: Buffer): { adds: bigint; removes: bigint } {
  return { adds: b.readBigUInt64LE(Layout.watchChurn.adds), removes: b.readBigUInt64LE(Layout.watchChurn.removes) };
}

/** The maps of issue 16's creator, churn and per-cgroup wait probes: all bounded. */
const ROOT_CAUSE_MAP_NAMES = ['dir_creations', 'dir_creators', 'watch_churn', 'cgroup_waits', 'mark_adds_in_flight'] as const;

/** Every map the daemon reads by name: test/bpf/names.test.ts checks each against the objects. */
export const MAP_NAMES = [
  'counters',
  'walk_duration_hist',
  'walk_children_hist',
  'walk_concurrency_hist',
  'lock_wait_hist',
  'walk_entry_run_hist',
  'lock_nest',
  'walks_in_flight',
  'watched_locks',
  'dir_stats',
  'watch_syscalls',
  'scan_cursors',
  'events',
  ...ROOT_CAUSE_MAP_NAMES,
] as const;

/** The maps with a capacity worth reporting (fsnotify_exporter_map_capacity): the bounded hash maps, the lock nest, the ring. */
export const BOUNDED_MAPS = [
  'walks_in_flight',
  'watched_locks',
  'dir_stats',
  'watch_syscalls',
  'scan_cursors',
  'lock_nest',
  'events',
  ...ROOT_CAUSE_MAP_NAMES,
] as const satisfies ReadonlyArray<(typeof MAP_NAMES)[number]>;

/** The `const volatile` tunables the daemon writes before load. */
export const RODATA_NAMES = ['children_scan_cap', 'children_scan_interval_ns', 'slow_walk_threshold_ns', 'parent_func_start', 'parent_func_end', 'cgroup_waits_on', 'children_scan_budget', 'watch_syscalls_map_on'] as const;
