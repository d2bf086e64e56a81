// Who holds inotify/fanotify marks on which inode, from a scan of /proc (fdinfo-marks.ts), kept
// current by refresh(): at startup (marks older than the daemon), when the watch-change counters
// move, and at a bounded interval. The scan yields to the event loop between batches of
// processes and never runs on the scrape path; lookups read the last scan's index.
import { readdirSync, readlinkSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { dirIdKey, dirText } from '../diagnosis/dir-identity.js';
import type { CgroupIdentity, DirId, Watcher, WatcherSource } from '../diagnosis/model.js';
import { everyShared } from '../shared-interval.js';
import { notifyApiOfLink, readProcessMarks, type FdinfoMark, type MarkScope } from './fdinfo-marks.js';
import { readMountinfo } from './mountinfo.js';

export interface WatcherIndexOptions {
  /** the process's cgroup identity ({cgroup: ""} with cgroup labels off) */
  identityOfPid: (pid: number) => CgroupIdentity;
  /** processes with marks kept, at most; the rest are counted in processesDropped */
  maxProcesses?: number;
  /** marks kept over all processes, at most; the rest are counted in marksDropped */
  maxMarks?: number;
  /** processes read per event-loop turn */
  batch?: number;
  proc?: string;
  now?: () => Date;
}

export interface WatcherScanStats {
  scans: number;
  /** holder checks (HolderCheck) that found every holder's fd open, so no scan ran */
  holderChecks: number;
  /** wall time of the last scan, and its CPU-bound part (reading /proc between yields) */
  lastScanSeconds: number;
  lastScanBusySeconds: number;
  lastScanProcesses: number;
  /** marks and processes in the index now */
  marks: number;
  processes: number;
  /** totals over all scans of what the bounds left out */
  marksDropped: number;
  processesDropped: number;
}

/** A mark that covers a whole mount or filesystem: it sees events on every directory there, but
 * never starts a child walk (the kernel sets PARENT_WATCHED for inode marks only). */
export interface WideWatcher extends Watcher {
  scope: Exclude<MarkScope, 'inode'>;
  /** kernel dev_t of the filesystem (mount marks: from the holder's mountinfo; 0 if not found) */
  dev: number;
}

export const WATCHER_DEFAULTS = { maxProcesses: 4096, maxMarks: 65_536, batch: 64 } as const;

interface Scan {
  byInode: Map<string, Watcher[]>;
  wide: WideWatcher[];
  since: Map<string, string>;
  marks: number;
  processes: number;
  /** pid/fd of every notification fd the index's marks came from */
  holders: Set<string>;
}


/** What makes a mark the same mark in the next scan (since is kept while it is). */
function markKey(pid: number, m: FdinfoMark & { fd: number }): string {
  return m.scope === 'mount' ? `${pid}/${m.fd}/m${m.mntId}/${m.mask}` : `${pid}/${m.fd}/${m.api}/${m.wd ?? ''}/${m.dev}:${m.ino ?? ''}`;
}

export class WatcherIndex implements WatcherSource {
  readonly stats: WatcherScanStats = { scans: 0, holderChecks: 0, lastScanSeconds: 0, lastScanBusySeconds: 0, lastScanProcesses: 0, marks: 0, processes: 0, marksDropped: 0, processesDropped: 0 };
  private current: Scan = { byInode: new Map(), wide: [], since: new Map(), marks: 0, processes: 0, holders: new Set() };
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly maxProcesses: number;
  private readonly maxMarks: number;
  private readonly batch: number;
  private readonly proc: string;
  private readonly now: () => Date;

  constructor(private readonly o: WatcherIndexOptions) {
    this.maxProcesses = o.maxProcesses ?? WATCHER_DEFAULTS.maxProcesses;
    this.maxMarks = o.maxMarks ?? WATCHER_DEFAULTS.maxMarks;
    this.batch = o.batch ?? WATCHER_DEFAULTS.batch;
    this.proc = o.proc ?? '/proc';
    this.now = o.now ?? (() => new Date());
  }

  /** inode marks on the directory, as of the last scan */
  watchersOf(dir: DirId): Watcher[] {
    return this.current.byInode.get(dirText(dir).key) ?? [];
  }

  /** mount and filesystem marks on the directory's filesystem (fanotify; see WideWatcher) */
  wideWatchersOf(dev: number): WideWatcher[] {
    return this.current.wide.filter((w) => w.dev === dev);
  }

  /** Rescans /proc. A call during a scan gets one more scan after it (calls in between share it). */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.scan().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  /** Whether every notification fd the last scan found marks on is still open in its process. */
  holdersOpen(): boolean {
    for (const h of this.current.holders) {
      try {
        if (notifyApiOfLink(readlinkSync(`${this.proc}/${h.replace('/', '/fd/')}`)) === undefined) return false;
      } catch {
        return false; // the process exited or closed the fd
      }
    }
    return true;
  }

  /**
   * Keeps the index current: a scan now, another when `changes()` (the watch add/remove counters)
   * moved, at most every minGapMs, and one every intervalMs regardless. With `fullIntervalMs`
   * (counters that see every add and remove), the intervalMs turn only checks that the holders'
   * fds are open (holdersOpen: an exit or a close drops marks without a syscall the counters see)
   * and scans when one is not, or when fullIntervalMs has passed. Returns stop().
   */
  start(o: { changes?: () => number; pollMs?: number; minGapMs?: number; intervalMs?: number; fullIntervalMs?: number; onError?: (e: unknown) => void }): () => void {
    const pollMs = o.pollMs ?? 1000;
    const minGapMs = o.minGapMs ?? 2000;
    const intervalMs = o.intervalMs ?? 60_000;
    const fullIntervalMs = o.fullIntervalMs ?? intervalMs;
    const onError = o.onError ?? (() => undefined);
    let seen = o.changes?.() ?? 0;
    let last = Date.now();
    let lastFull = last;
    const run = () => {
      last = lastFull = Date.now();
      this.refresh().catch(onError);
    };
    run();
    return everyShared(pollMs, () => {
      const c = o.changes?.() ?? seen;
      const now = Date.now();
      if ((c !== seen && now - last >= minGapMs) || now - lastFull >= fullIntervalMs) {
        seen = c;
        run();
      } else if (now - last >= intervalMs && !this.running) {
        last = now;
        if (this.holdersOpen()) this.stats.holderChecks++;
        else run();
      }
    });
  }

  private async scan(): Promise<void> {
    const t0 = performance.now();
    let busy = 0;
    const at = this.now().toISOString();
    const prev = this.current.since;
    const next: Scan = { byInode: new Map(), wide: [], since: new Map(), marks: 0, processes: 0, holders: new Set() };
    let pids: number[];
    try {
      pids = readdirSync(this.proc).filter((n) => /^\d+$/.test(n)).map(Number);
    } catch {
      pids = [];
    }
    let marksDropped = 0;
    let processesDropped = 0;
    for (let i = 0; i < pids.length; i += this.batch) {
      const b0 = performance.now();
      for (const pid of pids.slice(i, i + this.batch)) {
        const p = readProcessMarks(pid, Math.max(0, this.maxMarks - next.marks), this.proc);
        if (!p) continue;
        marksDropped += p.dropped;
        if (p.marks.length === 0) continue;
        if (next.processes >= this.maxProcesses) {
          processesDropped++;
          marksDropped += p.marks.length;
          continue;
        }
        next.processes++;
        this.add(next, prev, at, p.pid, p.comm, p.marks);
      }
      busy += performance.now() - b0;
      if (i + this.batch < pids.length) await nextTurn();
    }
    this.current = next;
    const s = this.stats;
    s.scans++;
    s.lastScanSeconds = (performance.now() - t0) / 1000;
    s.lastScanBusySeconds = busy / 1000;
    s.lastScanProcesses = pids.length;
    s.marks = next.marks;
    s.processes = next.processes;
    s.marksDropped += marksDropped;
    s.processesDropped += processesDropped;
  }

  private add(next: Scan, prev: Map<string, string>, at: string, pid: number, comm: string, marks: Array<FdinfoMark & { fd: number }>): void {
    const identity = this.o.identityOfPid(pid);
    let mounts: Map<number, number> | undefined;
    for (const m of marks) {
      const key = markKey(pid, m);
      const since = prev.get(key) ?? at;
      next.since.set(key, since);
      next.holders.add(`${pid}/${m.fd}`);
      next.marks++;
      const w: Watcher = { ...identity, pid, comm, api: m.api, mask: m.mask, since };
      if (m.scope === 'inode') {
        const k = dirIdKey({ dev: m.dev as number, ino: m.ino as bigint }); // watchersOf looks marks up by dirText(dir).key, the same text
        const list = next.byInode.get(k);
        if (list) list.push(w);
        else next.byInode.set(k, [w]);
      } else if (m.scope === 'filesystem') next.wide.push({ ...w, scope: 'filesystem', dev: m.dev as number });
      else {
        mounts ??= new Map(readMountinfo(pid, this.proc).map((e) => [e.id, e.dev]));
        next.wide.push({ ...w, scope: 'mount', dev: mounts.get(m.mntId as number) ?? 0 });
      }
    }
  }
}
