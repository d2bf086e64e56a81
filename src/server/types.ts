// What the server shows; the collectors fill these in.

export interface SlowWalk {
  time: string;
  pid: number;
  tgid: number;
  comm: string;
  cgroup_id: string;
  trigger: string;
  /** the watch syscall the walk ran under, when it ran under one */
  syscall: string;
  device: string;
  inode: string;
  path: string;
  duration_seconds: number;
  children: { positive: number; negative: number; truncated: boolean };
  concurrent_walkers: number;
  lock_wait_seconds: { i_lock: number; d_lock: number };
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface ProbeLine {
  probe: string;
  mechanism: string;
  attached: boolean;
  target: string;
  error?: string;
}

export interface LandingInfo {
  version: string;
  kernel: string;
  walkFunction: string;
  lockWaitMechanism: string;
  probes: ProbeLine[];
}
