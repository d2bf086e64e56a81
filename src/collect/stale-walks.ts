// Walks whose exit the probes missed: another tool's fentry/fexit attach or detach on the walk
// function retires the trampoline image the walk runs in, and bpf_tramp_image_put() patches that
// image to skip its fexit programs (docs/reliability.md). Such an entry stays in walks_in_flight
// until its thread walks again; this drops it from the map, counts it, and keeps it out of the
// in-flight gauges and the near-lockup check.
import { Layout, type WalkState } from '../bpf/abi.js';
import type { ThreadState, ThreadStateReader } from '../kernel/thread-state.js';

export interface StaleWalkOptions {
  thread: ThreadStateReader;
  /**
   * false on PREEMPT_RT, where spinlock_t sleeps (a walker waiting for i_lock shows D and counts a
   * voluntary switch): there only a thread that is gone proves the walk ended.
   */
  sleepEndsWalk: boolean;
  /** false where /proc does not number threads as the kernel does (a pid namespace): nothing is dropped */
  enabled: boolean;
  /** removes the entry of `tid` if it is still this walk's */
  drop: (tid: number, w: WalkState) => void;
  onStale: (tid: number, w: WalkState) => void;
}

/**
 * Ended walks whose entries stay for their thread's next walk (bpf/fsnotify.bpf.c walk_publish)
 * until there are more than this many entries: half of walks_in_flight's 1,024, so a thread's new
 * walk finds room. A thread starting a walk between the drop's check and its delete loses that walk.
 */
export const ENDED_KEPT = 512;

/** An in-flight entry: the thread id (the map's key) and its walk. */
export type InFlightEntry = readonly [tid: number, walk: WalkState];

export class StaleWalks {
  /** voluntary switches of each walk's thread when first seen in flight, by `tid:start_ns` */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly o: StaleWalkOptions) {}

  /** The walks still running among `entries` (those whose exit has begun left out); drops the stale ones. */
  live(entries: readonly InFlightEntry[]): WalkState[] {
    const out: WalkState[] = [];
    const seen = new Set<string>();
    const dropEnded = entries.length > ENDED_KEPT;
    for (const [tid, w] of entries) {
      if (w.exiting) {
        if (dropEnded) this.o.drop(tid, w);
        continue;
      }
      if (!this.o.enabled) {
        out.push(w);
        continue;
      }
      const key = `${tid}:${w.startNs}`;
      if (this.ended(key, this.o.thread(tid))) {
        this.firstSeen.delete(key);
        this.o.drop(tid, w);
        this.o.onStale(tid, w);
        continue;
      }
      seen.add(key);
      out.push(w);
    }
    for (const key of this.firstSeen.keys()) if (!seen.has(key)) this.firstSeen.delete(key);
    return out;
  }

  // The walk (5.10 to 7.x) holds the directory's i_lock and its alias's d_lock from start to end and
  // never calls cond_resched(): outside PREEMPT_RT its thread cannot sleep, so one that sleeps now or
  // has slept since we first saw the walk has left it; one that is gone has too.
  private ended(key: string, t: ThreadState | undefined): boolean {
    if (t === undefined) return true;
    if (!this.o.sleepEndsWalk) return false;
    if (t.state !== 'R') return true;
    const first = this.firstSeen.get(key);
    if (first === undefined) this.firstSeen.set(key, t.voluntarySwitches);
    return first !== undefined && t.voluntarySwitches > first;
  }
}

/** The map operations the drop needs (src/bpf/map.ts BpfMap). */
export interface InFlightMap {
  lookup(key: Buffer): Buffer | null;
  delete(key: Buffer): boolean;
}

/** Deletes the entry of `tid` if it is still the walk read; the thread may have started its next walk since. */
export function dropIfStillThere(map: InFlightMap, tid: number, w: WalkState): void {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(tid);
  const now = map.lookup(key);
  if (now && now.readBigUInt64LE(Layout.walkState.startNs) === w.startNs) map.delete(key);
}
