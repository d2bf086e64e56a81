// The root-cause maps (dentry creators, watch churn, waits per cgroup) read as the shared model's
// CreatorSource (src/diagnosis/model.ts): decoded once per snapshot and indexed by directory.
import { decodeDirActorKey, decodeDirCreations, decodeDirCreator, decodeDirKey, decodeWatchChurn, type DirKey } from '../bpf/abi.js';
import { dirIdKey, dirText } from '../diagnosis/dir-identity.js';
import type { CreatorSource, DirId } from '../diagnosis/model.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';

/** Creators per directory in fsnotify_directory_dentry_creators_total. */
export const CREATORS_PER_DIRECTORY = 5;
/** (comm, cgroup) pairs in fsnotify_watch_changes_by_process_total. */
export const CHURN_PROCESSES = 20;
/** Cgroups per directory in fsnotify_directory_lock_wait_by_cgroup_seconds_total. */
export const CGROUPS_PER_DIRECTORY = 5;

export interface CreationRow {
  dir: DirKey;
  path: string;
  positive: number;
  negative: number;
}
export interface CreatorRow {
  comm: string;
  tgid: number;
  cgroupId: bigint;
  positive: number;
  negative: number;
}
export interface ChurnRow {
  comm: string;
  cgroupId: bigint;
  adds: number;
  removes: number;
}
export interface WaitRow {
  cgroupId: bigint;
  lockWaitNs: number;
}

export interface RootCauseIndex {
  creations: Map<string, CreationRow>;
  creators: Map<string, CreatorRow[]>;
  churn: Map<string, ChurnRow[]>;
  waits: Map<string, WaitRow[]>;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Decodes the four maps of one snapshot; each directory's rows sorted largest first. */
export function indexRootCause(s: Snapshot): RootCauseIndex {
  const idx: RootCauseIndex = { creations: new Map(), creators: new Map(), churn: new Map(), waits: new Map() };
  for (const r of s.rootCause.dir_creations) {
    const dir = decodeDirKey(r.key);
    const c = decodeDirCreations(r.value);
    idx.creations.set(dirIdKey(dir), { dir, path: c.path, positive: Number(c.created[0]), negative: Number(c.created[1]) });
  }
  for (const r of s.rootCause.dir_creators) {
    const k = decodeDirActorKey(r.key);
    const v = decodeDirCreator(r.value);
    push(idx.creators, dirIdKey(k.dir), { comm: k.comm, tgid: v.tgid, cgroupId: k.cgroupId, positive: Number(v.created[0]), negative: Number(v.created[1]) });
  }
  for (const r of s.rootCause.watch_churn) {
    const k = decodeDirActorKey(r.key);
    const v = decodeWatchChurn(r.value);
    push(idx.churn, dirIdKey(k.dir), { comm: k.comm, cgroupId: k.cgroupId, adds: Number(v.adds), removes: Number(v.removes) });
  }
  for (const r of s.rootCause.cgroup_waits) {
    const k = decodeDirActorKey(r.key);
    push(idx.waits, dirIdKey(k.dir), { cgroupId: k.cgroupId, lockWaitNs: Number(r.value.readBigUInt64LE(0)) });
  }
  for (const rows of idx.creators.values()) rows.sort((a, b) => b.negative - a.negative || b.positive - a.positive);
  for (const rows of idx.churn.values()) rows.sort((a, b) => b.adds + b.removes - (a.adds + a.removes));
  for (const rows of idx.waits.values()) rows.sort((a, b) => b.lockWaitNs - a.lockWaitNs);
  return idx;
}

/** The k directories with the most negative creations, walked or not. */
export function fillingDirectories(idx: RootCauseIndex, k: number): CreationRow[] {
  return [...idx.creations.values()].sort((a, b) => b.negative - a.negative).slice(0, k);
}

/** Watch adds and removes per (comm, cgroup) over every directory, the n busiest. */
export function churnByProcess(idx: RootCauseIndex, n: number): ChurnRow[] {
  const by = new Map<string, ChurnRow>();
  for (const rows of idx.churn.values())
    for (const r of rows) {
      const id = `${r.cgroupId}\0${r.comm}`;
      const t = by.get(id);
      if (t) {
        t.adds += r.adds;
        t.removes += r.removes;
      } else by.set(id, { ...r });
    }
  return [...by.values()].sort((a, b) => b.adds + b.removes - (a.adds + a.removes)).slice(0, n);
}

/** CreatorSource over the BPF maps; `enabled` says whether any creator probe is attached. */
export class BpfCreatorSource implements CreatorSource {
  constructor(
    private readonly maps: SnapshotCache,
    private readonly attached: () => boolean,
  ) {}

  get enabled(): boolean {
    return this.attached();
  }

  private index(): RootCauseIndex {
    return this.maps.derive(indexRootCause);
  }

  creations(dir: DirId): { positive: number; negative: number } | undefined {
    const c = this.index().creations.get(dirText(dir).key);
    return c ? { positive: c.positive, negative: c.negative } : undefined;
  }

  negativeCreators(dir: DirId, limit: number): Array<{ comm: string; tgid: number; cgroupId: bigint; count: number }> {
    return (this.index().creators.get(dirText(dir).key) ?? [])
      .filter((r) => r.negative > 0)
      .slice(0, limit)
      .map((r) => ({ comm: r.comm, tgid: r.tgid, cgroupId: r.cgroupId, count: r.negative }));
  }

  churn(dir: DirId, limit: number): Array<{ comm: string; cgroupId: bigint; adds: number; removes: number }> {
    return (this.index().churn.get(dirText(dir).key) ?? []).slice(0, limit).map((r) => ({ ...r }));
  }

  stalled(dir: DirId, limit: number): Array<{ cgroupId: bigint; lockWaitNs: number }> {
    return (this.index().waits.get(dirText(dir).key) ?? []).slice(0, limit).map((r) => ({ ...r }));
  }

  filling(limit: number): Array<{ dir: DirId; path: string; negative: number; positive: number }> {
    return fillingDirectories(this.index(), limit).map((r) => ({ dir: { dev: r.dir.dev, ino: r.dir.ino }, path: r.path, negative: r.negative, positive: r.positive }));
  }
}
