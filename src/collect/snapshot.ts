// One read of every BPF map per scrape. prom-client asks each metric for its values in the same
// tick, so the first ask reads the maps and the rest reuse that read until the tick ends.
import { perTurn } from './per-turn.js';
import { COUNT_SLOTS, DURATION_SLOTS, NR_COUNTERS, decodeWalkState, type WalkState } from '../bpf/abi.js';
import type { EntryBatch } from '../bpf/map.js';
import { dirCount, dirTableOf, type DirRecord, type DirTable } from './top-directories.js';
import type { InFlightEntry } from './stale-walks.js';

/** What the collectors need from the loaded object; src/bpf provides it. */
export interface BpfMapsReader {
  /** Each index of a per-CPU array, summed over CPUs (u64 values, as numbers). */
  perCpuArraySums(map: string): number[];
  entries(map: string): Array<[Buffer, Buffer]>;
  /** Every entry, packed per batch read into buffers the next such read of the map overwrites; without it (the tests' fakes) entries() one by one. */
  batches?(map: string): EntryBatch[];
  capacity(map: string): number;
}

export const HASH_MAPS = ['walks_in_flight', 'watched_locks', 'dir_stats', 'watch_syscalls', 'mark_adds_in_flight', 'scan_cursors'] as const;
/** The root-cause maps (issue 16), read raw; src/collect/root-cause.ts decodes them. */
export const ROOT_CAUSE_MAPS = ['dir_creations', 'dir_creators', 'watch_churn', 'cgroup_waits'] as const;
export type RootCauseMap = (typeof ROOT_CAUSE_MAPS)[number];

export interface Snapshot {
  counters: number[];
  /** [trigger][slot] */
  walkDuration: number[][];
  /** [child kind][slot] */
  walkChildren: number[][];
  walkConcurrency: number[];
  /** walk_entry's run time per walk, by log2 slot */
  walkEntryRun: number[];
  /** [lock kind][slot] */
  lockWait: number[][];
  /** dir_stats, undecoded: valid until the next read (topDirectories copies the K it keeps) */
  dirs: DirTable;
  inFlight: WalkState[];
  /** the root-cause maps' entries, undecoded, valid for this event-loop turn */
  rootCause: Record<RootCauseMap, DirRecord[]>;
  mapEntries: Map<string, number>;
  /** CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() */
  readAtNs: bigint;
  readSeconds: number;
}

function split(values: number[], rows: number, width: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(values.slice(r * width, (r + 1) * width));
  return out;
}

/** Decodes walks_in_flight's entries and keeps the walks still running (src/collect/stale-walks.ts). */
export type LiveWalks = (entries: readonly InFlightEntry[]) => WalkState[];

const notExiting: LiveWalks = (entries) => entries.map(([, w]) => w).filter((w) => !w.exiting);

/** walks_in_flight's entries as (thread id, walk) */
export const inFlightEntries = (raw: Array<[Buffer, Buffer]>): InFlightEntry[] => raw.map(([k, v]) => [k.readUInt32LE(0), decodeWalkState(v)]);

/** walks_in_flight's entries as (thread id, walk) from batch reads (u32 keys, `valueBytes` per value), decoded out of the batches' buffers. */
export function inFlightFromBatches(batches: readonly EntryBatch[], valueBytes: number): InFlightEntry[] {
  const out: InFlightEntry[] = [];
  for (const b of batches) for (let i = 0; i < b.n; i++) out.push([b.keys.readUInt32LE(i * 4), decodeWalkState(b.values.subarray(i * valueBytes, (i + 1) * valueBytes))]);
  return out;
}

/** Whether an attached program writes root-cause map `name`. */
export type RootCauseWritten = (name: RootCauseMap) => boolean;

/**
 * A root-cause map no attached program writes is empty and not read: a batch read walks a hash
 * map's every bucket, full or not.
 */
export function readSnapshot(maps: BpfMapsReader, liveWalks: LiveWalks = notExiting, rootCauseWritten: RootCauseWritten = () => true): Snapshot {
  const t0 = process.hrtime.bigint();
  const counters = maps.perCpuArraySums('counters');
  while (counters.length < NR_COUNTERS) counters.push(0);
  const dirs = maps.batches ? { batches: maps.batches('dir_stats') } : dirTableOf(maps.entries('dir_stats').map(([key, value]) => ({ key, value })));
  const inFlightRaw = maps.entries('walks_in_flight');
  const mapEntries = new Map<string, number>();
  const rootCause = {} as Record<RootCauseMap, DirRecord[]>;
  for (const name of ROOT_CAUSE_MAPS) {
    rootCause[name] = rootCauseWritten(name) ? maps.entries(name).map(([key, value]) => ({ key, value })) : [];
    mapEntries.set(name, rootCause[name].length);
  }
  for (const name of HASH_MAPS) {
    if (name === 'dir_stats') mapEntries.set(name, dirCount(dirs));
    else if (name === 'walks_in_flight') mapEntries.set(name, inFlightRaw.length);
    // counted, not viewed: no object per entry
    else mapEntries.set(name, maps.batches ? dirCount({ batches: maps.batches(name) }) : maps.entries(name).length);
  }
  const snapshot: Snapshot = {
    counters,
    walkDuration: split(maps.perCpuArraySums('walk_duration_hist'), 2, DURATION_SLOTS),
    walkChildren: split(maps.perCpuArraySums('walk_children_hist'), 2, COUNT_SLOTS),
    walkConcurrency: maps.perCpuArraySums('walk_concurrency_hist'),
    walkEntryRun: maps.perCpuArraySums('walk_entry_run_hist'),
    lockWait: split(maps.perCpuArraySums('lock_wait_hist'), 2, DURATION_SLOTS),
    dirs,
    inFlight: liveWalks(inFlightEntries(inFlightRaw)),
    rootCause,
    mapEntries,
    readAtNs: process.hrtime.bigint(),
    readSeconds: 0,
  };
  snapshot.readSeconds = Number(snapshot.readAtNs - t0) / 1e9;
  return snapshot;
}

/**
 * Memoizes readSnapshot, and what is derived from it, for the rest of the current event-loop turn.
 * Nothing of a scrape is kept past it: what lives until the next scrape is promoted to V8's old
 * generation at every scrape and fills it.
 */
export class SnapshotCache {
  /**
   * A new Map each turn, not one cleared: a long-lived Map's clear() leaves its old table in the
   * old generation still pointing at the turn's values, so every scavenge kept them and they were
   * promoted (docs/benchmark-findings.md).
   */
  private derived = new Map<(s: Snapshot) => unknown, unknown>();
  /** the maps read once per turn; what was derived from them goes with them at the turn's end */
  readonly get: () => Snapshot;

  constructor(maps: BpfMapsReader, liveWalks?: LiveWalks, rootCauseWritten?: RootCauseWritten) {
    this.get = perTurn(() => {
      setImmediate(() => (this.derived = new Map()));
      return readSnapshot(maps, liveWalks, rootCauseWritten);
    });
  }

  /** counter `i` of the counters map (Counter in abi.ts) */
  counter(i: number): number {
    return this.get().counters[i] ?? 0;
  }

  /** compute(snapshot), once per snapshot */
  derive<T>(compute: (s: Snapshot) => T): T {
    const s = this.get();
    if (!this.derived.has(compute)) this.derived.set(compute, compute(s));
    return this.derived.get(compute) as T;
  }
}
