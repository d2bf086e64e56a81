// Joins the walked top-K directories with who fills them (CreatorSource), who watches them
// (WatcherSource) and whose threads they stalled, into the objects GET /api/v1/directories
// serves; then the directories filling with negative dentries that nobody has walked yet.
// Every list is bounded and largest first, whatever the sources return.
import { dirText } from './dir-identity.js';
import type {
  CgroupIdentity,
  CgroupResolver,
  Creator,
  CreatorSource,
  DirId,
  DirectoryDiagnosis,
  StalledWorkload,
  WatchChurn,
  Watcher,
  WatcherSource,
} from './model.js';

/** A directory the walk probes saw (dir_stats), as the top-K cut orders it: most walk time first. */
export interface WalkedDirectory {
  dir: DirId;
  path: string;
  children: { positive: number; negative: number; truncated: boolean };
  walks: number;
  walkSeconds: number;
}

export interface DiagnosisSources {
  /** the top-K walked directories, most walk time first */
  walked: () => readonly WalkedDirectory[];
  creators: CreatorSource;
  watchers: WatcherSource;
  cgroups: CgroupResolver;
}

export interface DiagnosisLimits {
  /** walked directories, and separately filling ones nobody walked */
  directories: number;
  /** entries per list (creators, watchers, watch changes, stalled) */
  perList: number;
  /** false: paths are "" (--no-path-labels) */
  paths: boolean;
}

const dirKey = (d: DirId): string => dirText(d).key;

/** Only the identity fields the resolver knows: absent ones stay absent in the JSON. */
function identity(c: CgroupIdentity): CgroupIdentity {
  const out: CgroupIdentity = { cgroup: c.cgroup };
  if (c.pod_uid) out.pod_uid = c.pod_uid;
  if (c.container_id) out.container_id = c.container_id;
  if (c.unit) out.unit = c.unit;
  return out;
}

/** the `limit` largest by `size`, largest first (a source's order is not trusted) */
function largest<T>(rows: readonly T[], size: (t: T) => number, limit: number): T[] {
  return [...rows].sort((a, b) => size(b) - size(a)).slice(0, Math.max(0, limit));
}

function creatorsOf(s: DiagnosisSources, dir: DirId, limit: number): Creator[] {
  if (!s.creators.enabled) return [];
  return largest(s.creators.negativeCreators(dir, limit), (c) => c.count, limit).map((c) => ({
    comm: c.comm,
    tgid: c.tgid,
    count: c.count,
    ...identity(s.cgroups.resolve(c.cgroupId)),
  }));
}

function churnOf(s: DiagnosisSources, dir: DirId, limit: number): WatchChurn[] {
  return largest(s.creators.churn(dir, limit), (c) => c.adds + c.removes, limit).map((c) => ({
    comm: c.comm,
    cgroup: s.cgroups.resolve(c.cgroupId).cgroup,
    adds: c.adds,
    removes: c.removes,
  }));
}

function stalledOf(s: DiagnosisSources, dir: DirId, limit: number): StalledWorkload[] {
  return largest(s.creators.stalled(dir, limit), (w) => w.lockWaitNs, limit).map((w) => ({
    ...identity(s.cgroups.resolve(w.cgroupId)),
    lock_wait_seconds: w.lockWaitNs / 1e9,
  }));
}

/** Code-unit order: ISO 8601 times in UTC sort as text. Not localeCompare, whose ICU collator is ~3 MB of RSS once touched. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Oldest mark first (the long-lived watcher is the one that re-walks on every restart), then pid. */
function watchersOf(s: DiagnosisSources, dir: DirId, limit: number): Watcher[] {
  return [...s.watchers.watchersOf(dir)]
    .sort((a, b) => byText(a.since, b.since) || a.pid - b.pid)
    .slice(0, Math.max(0, limit))
    .map((w) => ({ pid: w.pid, comm: w.comm, ...identity(w), api: w.api, mask: w.mask, since: w.since }));
}

type Base = Pick<DirectoryDiagnosis, 'path' | 'children' | 'walks' | 'walk_seconds'>;
type Head = Pick<DirectoryDiagnosis, 'device' | 'inode' | 'path' | 'dentry_creations'>;

/** The identity and creation counts both the API and the metrics show. */
function head(s: DiagnosisSources, l: DiagnosisLimits, dir: DirId, path: string): Head {
  // counted but none seen here is 0: absent must mean only "not counted" (creators off)
  const creations = s.creators.enabled ? (s.creators.creations(dir) ?? { positive: 0, negative: 0 }) : undefined;
  const t = dirText(dir);
  return {
    device: t.device,
    inode: t.inode,
    path: l.paths ? path : '',
    ...(creations ? { dentry_creations: { positive: creations.positive, negative: creations.negative } } : {}),
  };
}

function diagnose(s: DiagnosisSources, l: DiagnosisLimits, dir: DirId, base: Base): DirectoryDiagnosis {
  return {
    ...head(s, l, dir, base.path),
    children: base.children,
    walks: base.walks,
    walk_seconds: base.walk_seconds,
    negative_creators: creatorsOf(s, dir, l.perList),
    watchers: watchersOf(s, dir, l.perList),
    watch_changes: churnOf(s, dir, l.perList),
    stalled: stalledOf(s, dir, l.perList),
  };
}

/** The walked top-K, most walk time first, then the filling directories not among them, most negative creations first. */
function directorySet(s: DiagnosisSources, l: DiagnosisLimits): { walked: readonly WalkedDirectory[]; filling: ReadonlyArray<{ dir: DirId; path: string }> } {
  const walked = s.walked().slice(0, Math.max(0, l.directories));
  if (!s.creators.enabled) return { walked, filling: [] };
  const seen = new Set(walked.map((w) => dirKey(w.dir)));
  // asks for as many more as were walked: walked ones in the filling top-K must not eat its budget
  const asked = l.directories + walked.length;
  const filling = largest(s.creators.filling(asked), (f) => f.negative, asked)
    .filter((f) => !seen.has(dirKey(f.dir)))
    .slice(0, Math.max(0, l.directories));
  return { walked, filling };
}

export function assembleDiagnosis(s: DiagnosisSources, l: DiagnosisLimits): DirectoryDiagnosis[] {
  const { walked, filling } = directorySet(s, l);
  return [
    ...walked.map((w) => diagnose(s, l, w.dir, { path: w.path, children: { positive: w.children.positive, negative: w.children.negative, truncated: w.children.truncated }, walks: w.walks, walk_seconds: w.walkSeconds })),
    // never walked: no child scan yet, so the children are unknown (0, not truncated)
    ...filling.map((f) => diagnose(s, l, f.dir, { path: f.path, children: { positive: 0, negative: 0, truncated: false }, walks: 0, walk_seconds: 0 })),
  ];
}

/** What the per-directory metrics need, for the same directories, with every mark (the gauge must not stop at perList). */
export interface DirectoryCounts {
  dir: DirId;
  device: string;
  inode: string;
  path: string;
  dentry_creations?: { positive: number; negative: number };
  watchers: ReadonlyArray<Pick<Watcher, 'api'>>;
}

/** Built without spreads or intermediate objects: K of these per scrape (docs/benchmark-findings.md). */
export function directoryCounts(s: DiagnosisSources, l: DiagnosisLimits): DirectoryCounts[] {
  const { walked, filling } = directorySet(s, l);
  const out: DirectoryCounts[] = [];
  const creatorsOn = s.creators.enabled;
  const add = (dir: DirId, path: string) => {
    const t = dirText(dir);
    const c: DirectoryCounts = { dir, device: t.device, inode: t.inode, path: l.paths ? path : '', watchers: s.watchers.watchersOf(dir) };
    // counted but none seen here is 0: absent must mean only "not counted" (creators off)
    if (creatorsOn) c.dentry_creations = s.creators.creations(dir) ?? { positive: 0, negative: 0 };
    out.push(c);
  };
  for (const w of walked) add(w.dir, w.path);
  for (const f of filling) add(f.dir, f.path);
  return out;
}
