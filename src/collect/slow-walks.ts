// Slow-walk events from the ring buffer: decoded, logged at warn, kept newest-first in a
// bounded list for /api/v1/slow-walks.
import type { Logger } from 'pino';
import { decodeSlowWalk, formatDevice, type SlowWalkRecord } from '../bpf/abi.js';

/** One walk over the slow-walk threshold (a ring-buffer event), as /api/v1/slow-walks serves it. */
export interface SlowWalk {
  /** when the walk started, ISO 8601 */
  time: string;
  /** thread id and process id of the walker */
  pid: number;
  tgid: number;
  comm: string;
  /** cgroup v2 id, a decimal string (u64) */
  cgroup_id: string;
  /** what started the walk: watch_change | parent_event */
  trigger: string;
  /** the watch syscall the walk ran under, when it ran under one ("" otherwise) */
  syscall: string;
  /** major:minor of the directory's filesystem */
  device: string;
  /** the directory's inode number, a decimal string (u64) */
  inode: string;
  /** relative to its filesystem's root; "" with --no-path-labels */
  path: string;
  duration_seconds: number;
  children: { positive: number; negative: number; truncated: boolean };
  /** walkers of the same directory at entry, this one included */
  concurrent_walkers: number;
  lock_wait_seconds: { i_lock: number; d_lock: number };
}

/** CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to wall-clock ms, via the offset between the two now. */
export function monotonicToEpochMs(ns: bigint): number {
  const offsetMs = Date.now() - Number(process.hrtime.bigint() / 1_000_000n);
  return Number(ns / 1_000_000n) + offsetMs;
}

export function toSlowWalk(r: SlowWalkRecord, pathLabels: boolean): SlowWalk {
  return {
    time: new Date(monotonicToEpochMs(r.startNs)).toISOString(),
    pid: r.pid,
    tgid: r.tgid,
    comm: r.comm,
    cgroup_id: r.cgroupId.toString(),
    trigger: r.trigger,
    syscall: r.syscall,
    device: formatDevice(r.dir.dev),
    inode: r.dir.ino.toString(),
    path: pathLabels ? r.path : '',
    duration_seconds: Number(r.durationNs) / 1e9,
    children: { positive: Number(r.children[0]), negative: Number(r.children[1]), truncated: r.truncated },
    concurrent_walkers: r.concurrentWalkers,
    lock_wait_seconds: { i_lock: Number(r.lockWaitNs[0]) / 1e9, d_lock: Number(r.lockWaitNs[1]) / 1e9 },
  };
}

export class SlowWalkStore {
  private readonly events: SlowWalk[] = [];
  /** records read from the ring buffer */
  read = 0;
  /** records pushed out of the list by newer ones */
  evicted = 0;

  constructor(
    private readonly capacity: number,
    private readonly logger: Logger,
    private readonly pathLabels: boolean,
  ) {}

  /** The ring buffer's record callback. */
  onRecord = (data: Buffer): void => {
    this.read++;
    const record = decodeSlowWalk(data);
    const walk = toSlowWalk(record, this.pathLabels);
    // pino writes its own "time" (when logged): the walk's start goes out as walk_start, and as
    // start_ns (CLOCK_MONOTONIC), which names the walk as the near_softlockup line does
    const { time: walkStart, ...fields } = walk;
    this.logger.warn({ event: 'slow_walk', walk_start: walkStart, start_ns: record.startNs.toString(), ...fields }, `slow fsnotify walk: ${walk.duration_seconds.toFixed(3)} s on ${walk.path || walk.inode}`);
    this.events.push(walk);
    if (this.events.length > this.capacity) {
      this.events.shift();
      this.evicted++;
    }
  };

  list(limit: number): SlowWalk[] {
    return this.events.slice(-limit).reverse();
  }
}
