// What the server shows; the collectors fill these in. The server knows nothing about BPF.

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

/** Slow-walk events, newest first. */
export interface SlowWalkSource {
  list(limit: number): SlowWalk[];
}

export interface Readiness {
  ready: boolean;
  /** why not ready; empty when ready */
  reasons: string[];
  /** features off or reduced on this kernel, with why (ready or not) */
  degraded?: string[];
}

export interface ProbeLine {
  probe: string;
  mechanism: string;
  attached: boolean;
  target: string;
  error?: string;
  note?: string;
}

/** What the landing page shows. */
export interface LandingInfo {
  version: string;
  kernel: string;
  walkFunction: string;
  lockWaitMechanism: string;
  probes: ProbeLine[];
}
