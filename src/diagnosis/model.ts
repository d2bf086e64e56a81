// The root-cause model (issue 16): for each top-K directory, who fills it with dentries, who
// watches it, who adds and removes the watches, and whose threads the walk stalled. The kernel
// side (creators, churn, waits), /proc (watchers) and the cgroup resolver fill it; the API, the
// landing page and the metrics read it. Plain data only: no BPF, no fastify here.

/** Where a process runs, parsed locally from its cgroup v2 path (no API server). */
export interface CgroupIdentity {
  /** cgroup v2 path, e.g. "/system.slice/foo.service"; "" when unknown or when cgroup labels are off */
  cgroup: string;
  /** Kubernetes pod UID (dashes), from kubelet's systemd or cgroupfs driver paths */
  pod_uid?: string;
  /** the container runtime's 64-hex id (containerd, CRI-O, Docker) */
  container_id?: string;
  /** the systemd unit, e.g. "foo.service" */
  unit?: string;
}

/** Resolves kernel cgroup ids (bpf_get_current_cgroup_id) to identities; bounded cache inside. */
export interface CgroupResolver {
  resolve(cgroupId: bigint): CgroupIdentity;
}

/** One creator of dentries in one directory. */
export interface Creator extends CgroupIdentity {
  comm: string;
  /** the last process with this comm and cgroup that created one */
  tgid: number;
  /** dentries of this kind created in the directory since the daemon started */
  count: number;
}

export interface Watcher extends CgroupIdentity {
  pid: number;
  comm: string;
  api: 'inotify' | 'fanotify';
  /** the mark's event mask, "0x" + hex, as fdinfo shows it */
  mask: string;
  /** ISO 8601: when the daemon first saw the mark (at startup: the scan's time) */
  since: string;
}

export interface WatchChurn {
  comm: string;
  cgroup: string;
  adds: number;
  removes: number;
}

export interface StalledWorkload extends CgroupIdentity {
  /** seconds threads of this cgroup spent waiting for the directory's i_lock/d_lock during walks */
  lock_wait_seconds: number;
}

/** One object of GET /api/v1/directories. */
export interface DirectoryDiagnosis {
  device: string;
  inode: string;
  path: string;
  children: { positive: number; negative: number; truncated: boolean };
  walks: number;
  walk_seconds: number;
  /** dentries created in the directory since the daemon started (absent: creators off or unsupported) */
  dentry_creations?: { positive: number; negative: number };
  /** largest first, bounded */
  negative_creators: Creator[];
  watchers: Watcher[];
  watch_changes: WatchChurn[];
  stalled: StalledWorkload[];
}

/** A directory identified the way the kernel side keys it (dir_key: ino + kernel dev_t). */
export interface DirId {
  dev: number;
  ino: bigint;
}

/** Per-directory creations and creators, read from the BPF maps (kernel side). */
export interface CreatorSource {
  /** false when the creator probes are off (--creators=off) or the kernel lacks them; reason in readiness */
  readonly enabled: boolean;
  creations(dir: DirId): { positive: number; negative: number } | undefined;
  /** raw rows, cgroup as the kernel id; largest negative count first */
  negativeCreators(dir: DirId, limit: number): Array<{ comm: string; tgid: number; cgroupId: bigint; count: number }>;
  churn(dir: DirId, limit: number): Array<{ comm: string; cgroupId: bigint; adds: number; removes: number }>;
  stalled(dir: DirId, limit: number): Array<{ cgroupId: bigint; lockWaitNs: number }>;
  /** directories gaining negative dentries, walked or not: the K with the most negative creations */
  filling(limit: number): Array<{ dir: DirId; path: string; negative: number; positive: number }>;
}

/** inotify/fanotify marks held by processes, from /proc/<pid>/fdinfo, kept current. */
export interface WatcherSource {
  /** marks on the inode `ino` of the filesystem whose kernel dev_t is `dev` */
  watchersOf(dir: DirId): Watcher[];
}
