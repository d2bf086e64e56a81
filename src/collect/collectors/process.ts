// Node's process metrics (CPU, memory, file descriptors, heap, GC, handles) under prom-client's
// default names and help. Written here rather than taken from prom-client: its registry and
// formatter were a quarter of a 1,000-series scrape's collector time and a fifth of its garbage
// (docs/benchmark-findings.md).
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { LabelSet, type Sample } from '../exposition.js';
import type { HistogramValue } from '../log2-histogram.js';
import { perTurn } from '../per-turn.js';

const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());
/** prom-client's GC buckets, in seconds */
export const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5] as const;
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** VmRSS, VmSize and VmData of /proc/<pid>/status, in bytes; undefined where a line is missing. */
export function statusMemory(status: string): { resident?: number; virtual?: number; heap?: number } {
  const kb = (field: string) => {
    const at = status.indexOf(`\n${field}:`);
    if (at < 0) return undefined;
    const v = Number.parseInt(status.slice(at + field.length + 2).trimStart(), 10);
    return Number.isFinite(v) ? v * 1024 : undefined;
  };
  return { resident: kb('VmRSS'), virtual: kb('VmSize'), heap: kb('VmData') };
}

/** /proc/self/status read into a buffer kept between scrapes: a third of readFileSync's time. */
const statusBuffer = Buffer.alloc(8192);
function readOwnStatus(): string {
  const fd = openSync('/proc/self/status', 'r');
  try {
    return statusBuffer.toString('latin1', 0, readSync(fd, statusBuffer, 0, statusBuffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The soft "Max open files" of /proc/<pid>/limits; undefined if absent or unlimited. */
export function maxOpenFiles(limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const v = Number(line?.split(/ {2,}/)[1]);
  return Number.isFinite(v) ? v : undefined;
}

/** GC pauses by kind, as cumulative buckets. */
export class GcDurations {
  private readonly kinds = new Map<string, { counts: number[]; sum: number; count: number }>();

  observe(kind: string, seconds: number): void {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { counts: GC_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < GC_BUCKETS.length; i++) if (seconds <= (GC_BUCKETS[i] as number)) k.counts[i]!++;
    k.sum += seconds;
    k.count++;
  }

  histograms(): Array<{ labels: { kind: string }; histogram: HistogramValue }> {
    return [...this.kinds].map(([kind, k]) => ({
      labels: { kind },
      histogram: { buckets: [...GC_BUCKETS.map((le, i): [number, number] => [le, k.counts[i] as number]), [Infinity, k.count]], sum: k.sum, count: k.count },
    }));
  }
}

/** One sample per type, its value how often it occurs. */
function countByType(types: Iterable<string | undefined>): Sample[] {
  const n = new Map<string, number>();
  for (const type of types) if (type) n.set(type, (n.get(type) ?? 0) + 1);
  return [...n].map(([type, value]) => ({ labels: { type }, value }));
}

/** Handles and requests by constructor name, as prom-client groups them. */
const constructorNames = (list: unknown[]) => list.map((x) => (x as { constructor?: { name?: string } } | null)?.constructor?.name);

export const nodeProcess: Collector = {
  name: 'process',
  setup(m) {
    let maxFds: number | undefined;
    try {
      maxFds = maxOpenFiles(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      maxFds = undefined;
    }
    const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
    const version = new LabelSet({ version: process.version, major, minor, patch });
    const spaces = new Map<string, LabelSet>(); // V8's space name → its label set, formatted once
    const spaceLabels = (name: string) => {
      let l = spaces.get(name);
      if (!l) {
        const end = name.indexOf('_space');
        spaces.set(name, (l = new LabelSet({ space: end >= 0 ? name.slice(0, end) : name })));
      }
      return l;
    };
    const gc = new GcDurations();
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
        const kind = GC_KINDS[e.detail?.kind ?? -1];
        if (kind) gc.observe(kind, e.duration / 1000);
      }
    });
    observer.observe({ entryTypes: ['gc'] });

    const one = (value: number): Sample[] => [{ labels: {}, value }];
    // each source read once per scrape for the families that share it
    const cpu = perTurn(() => process.cpuUsage());
    const mem = perTurn(() => statusMemory(readOwnStatus()));
    const heap = perTurn(() => getHeapStatistics());
    const spaceStats = perTurn(() => getHeapSpaceStatistics());
    m.samples(METRICS.processCpuUser, () => one(cpu().user / 1e6));
    m.samples(METRICS.processCpuSystem, () => one(cpu().system / 1e6));
    m.samples(METRICS.processCpu, () => one((cpu().user + cpu().system) / 1e6));
    m.samples(METRICS.processStartTime, () => one(START_SECONDS));
    const memory = (v: number | undefined): Sample[] => (v === undefined ? [] : one(v));
    m.samples(METRICS.processResidentMemory, () => memory(mem().resident));
    m.samples(METRICS.processVirtualMemory, () => memory(mem().virtual));
    m.samples(METRICS.processHeap, () => memory(mem().heap));
    m.samples(METRICS.processOpenFds, () => one(readdirSync('/proc/self/fd').length - 1)); // less readdir's own fd
    m.samples(METRICS.processMaxFds, () => (maxFds === undefined ? [] : one(maxFds)));
    m.samples(METRICS.nodeActiveResources, () => countByType(process.getActiveResourcesInfo()));
    const internals = process as unknown as { _getActiveHandles(): unknown[]; _getActiveRequests(): unknown[] };
    m.samples(METRICS.nodeActiveHandles, () => countByType(constructorNames(internals._getActiveHandles())));
    m.samples(METRICS.nodeActiveRequests, () => countByType(constructorNames(internals._getActiveRequests())));
    m.samples(METRICS.nodeHeapTotal, () => one(heap().total_heap_size));
    m.samples(METRICS.nodeHeapUsed, () => one(heap().used_heap_size));
    m.samples(METRICS.nodeExternalMemory, () => one(heap().external_memory));
    m.samples(METRICS.nodeHeapSpaceTotal, () => spaceStats().map((s) => ({ labels: spaceLabels(s.space_name), value: s.space_size })));
    m.samples(METRICS.nodeHeapSpaceUsed, () => spaceStats().map((s) => ({ labels: spaceLabels(s.space_name), value: s.space_used_size })));
    m.samples(METRICS.nodeHeapSpaceAvailable, () => spaceStats().map((s) => ({ labels: spaceLabels(s.space_name), value: s.space_available_size })));
    m.samples(METRICS.nodeVersion, () => [{ labels: version, value: 1 }]);
    m.histogram(METRICS.nodeGcDuration, () => gc.histograms());
    return () => observer.disconnect();
  },
};
