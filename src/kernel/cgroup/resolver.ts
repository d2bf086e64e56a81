// Kernel cgroup ids (bpf_get_current_cgroup_id) → identities. On cgroup v2 the id is the inode
// number of the cgroup's directory under the cgroup2 mount (kernfs node id, 64-bit arches), so a
// walk of that tree maps ids to paths. The walk is the expensive part: it runs on a miss only,
// at most once per rescan interval, and indexes at most maxCgroups directories.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupIdentity, CgroupResolver } from '../../diagnosis/model.js';
import { cgroup2Mount, readMountinfo } from '../mountinfo.js';
import { parseCgroupPath } from './identity.js';

export interface CgroupResolverOptions {
  /** --cgroup-labels; off: every identity is {cgroup: ""} and nothing is read */
  labels: boolean;
  /** the cgroup2 mount point (default: found in /proc/self/mountinfo) */
  mountPoint?: string;
  /** the mount's root within the hierarchy ("/" unless mounted from a cgroup namespace) */
  mountRoot?: string;
  /** parsed identities kept, least recently used evicted */
  cacheSize?: number;
  /** cgroup directories one rescan indexes, at most */
  maxCgroups?: number;
  /** a miss rescans at most this often */
  rescanIntervalMs?: number;
  proc?: string;
  now?: () => number;
}

export interface CgroupResolverStats {
  hits: number;
  misses: number;
  /** identities pushed out of the cache */
  evictions: number;
  /** ids still unknown after a rescan, or while rescans were rate-limited */
  unresolved: number;
  rescans: number;
  /** directories the last rescan indexed, and those it left out (maxCgroups) */
  indexed: number;
  indexDropped: number;
  lastRescanSeconds: number;
}

export const CGROUP_DEFAULTS = { cacheSize: 4096, maxCgroups: 32_768, rescanIntervalMs: 10_000 } as const;

const UNKNOWN: CgroupIdentity = Object.freeze({ cgroup: '' });

export class CgroupIdResolver implements CgroupResolver {
  readonly stats: CgroupResolverStats = { hits: 0, misses: 0, evictions: 0, unresolved: 0, rescans: 0, indexed: 0, indexDropped: 0, lastRescanSeconds: 0 };
  readonly mountPoint: string | undefined;
  private readonly mountRoot: string;
  private readonly cache = new Map<bigint, CgroupIdentity>();
  private index = new Map<bigint, string>();
  private lastRescan = -Infinity;
  private readonly cacheSize: number;
  private readonly maxCgroups: number;
  private readonly rescanIntervalMs: number;
  private readonly proc: string;
  private readonly now: () => number;

  constructor(private readonly o: CgroupResolverOptions) {
    this.cacheSize = o.cacheSize ?? CGROUP_DEFAULTS.cacheSize;
    this.maxCgroups = o.maxCgroups ?? CGROUP_DEFAULTS.maxCgroups;
    this.rescanIntervalMs = o.rescanIntervalMs ?? CGROUP_DEFAULTS.rescanIntervalMs;
    this.proc = o.proc ?? '/proc';
    this.now = o.now ?? (() => performance.now());
    const mount = o.labels && o.mountPoint === undefined ? cgroup2Mount(readMountinfo('self', this.proc)) : undefined;
    this.mountPoint = o.labels ? (o.mountPoint ?? mount?.mountPoint) : undefined;
    const root = o.mountRoot ?? mount?.root ?? '/';
    this.mountRoot = root === '/' ? '' : root.replace(/\/$/, '');
  }

  resolve(cgroupId: bigint): CgroupIdentity {
    if (!this.o.labels || this.mountPoint === undefined) return UNKNOWN;
    const cached = this.cache.get(cgroupId);
    if (cached) {
      this.stats.hits++;
      this.cache.delete(cgroupId); // re-insert: Map order is the LRU order
      this.cache.set(cgroupId, cached);
      return cached;
    }
    this.stats.misses++;
    let path = this.index.get(cgroupId);
    if (path === undefined && this.now() - this.lastRescan >= this.rescanIntervalMs) {
      this.rescan();
      path = this.index.get(cgroupId);
    }
    if (path === undefined) {
      this.stats.unresolved++;
      return UNKNOWN;
    }
    const identity = Object.freeze(parseCgroupPath(path));
    this.cache.set(cgroupId, identity);
    if (this.cache.size > this.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as bigint);
      this.stats.evictions++;
    }
    return identity;
  }

  /** A path as /proc/<pid>/cgroup shows it, to its identity ({cgroup: ""} with labels off). */
  identityOfPath(path: string): CgroupIdentity {
    return this.o.labels && path !== '' ? parseCgroupPath(path) : UNKNOWN;
  }

  /** The cgroup v2 identity of a process (its "0::" line). */
  identityOfPid(pid: number): CgroupIdentity {
    if (!this.o.labels) return UNKNOWN;
    let text: string;
    try {
      text = readFileSync(`${this.proc}/${pid}/cgroup`, 'utf8');
    } catch {
      return UNKNOWN;
    }
    const line = text.split('\n').find((l) => l.startsWith('0::'));
    return line === undefined ? UNKNOWN : this.identityOfPath(line.slice(3));
  }

  /** Walks the cgroup2 tree once, breadth first, indexing at most maxCgroups directories (those
   * left out, and so their subtrees, are counted in indexDropped). */
  rescan(): void {
    const root = this.mountPoint;
    if (root === undefined) return;
    const t0 = performance.now();
    this.lastRescan = this.now();
    const index = new Map<bigint, string>();
    let dropped = 0;
    const queue: string[] = [''];
    for (let q = 0; q < queue.length; q++) {
      const rel = queue[q] as string;
      const dir = rel === '' ? root : join(root, rel);
      try {
        index.set(statSync(dir, { bigint: true }).ino, this.mountRoot + (rel === '' ? '/' : `/${rel}`));
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          if (!e.isDirectory()) continue;
          if (queue.length < this.maxCgroups) queue.push(rel === '' ? e.name : `${rel}/${e.name}`);
          else dropped++;
        }
      } catch {
        // removed while walking: nothing to index
      }
      queue[q] = ''; // let the walked names go
    }
    this.index = index;
    this.stats.rescans++;
    this.stats.indexed = index.size;
    this.stats.indexDropped = dropped;
    this.stats.lastRescanSeconds = (performance.now() - t0) / 1000;
  }
}
