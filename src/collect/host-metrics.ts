// Metrics about the host and the exporter itself: kernel facts, dcache, soft-lockup threshold,
// probe status, build info, BPF program run time.
import type { ProbeStatus, LockWaitMechanism } from '../bpf/attach-plan.js';
import type { DentryState } from '../kernel/dentry-state.js';
import type { KernelInfo } from '../kernel/kernel-info.js';
import { METRICS } from './catalog.js';
import { registerSamples, type Exposition, type Sample } from './exposition.js';

export interface HostMetricsSources {
  kernel: KernelInfo;
  version: string;
  libbpfVersion: string;
  dentryState: () => DentryState | undefined;
  softlockupThresholdSeconds: () => number;
  probes: () => readonly ProbeStatus[];
  lockWaitMechanism: () => LockWaitMechanism;
  /** how the walk's child scan runs, and how many children it counts exactly */
  childrenScan: () => { scan: string; limit: number };
  /** run time and count per attached program; empty unless kernel.bpf_stats_enabled=1 */
  programStats: () => Array<{ program: string; runTimeNs: bigint; runCount: bigint }>;
}

export function registerHostMetrics(registry: Exposition, s: HostMetricsSources): void {
  const k = s.kernel;
  registerSamples(registry, METRICS.kernelInfo, () => [
    {
      labels: { release: k.release, arch: k.arch, walk_function: k.walkFunction ?? 'none', child_list: k.childList, lazy_clear: String(k.lazyClear) },
      value: 1,
    },
  ]);
  registerSamples(registry, METRICS.buildInfo, () => [
    { labels: { version: s.version, nodejs: process.version, libbpf: s.libbpfVersion, arch: k.arch }, value: 1 },
  ]);
  registerSamples(registry, METRICS.dcacheDentries, () => {
    const d = s.dentryState();
    if (!d) return [];
    const out: Sample[] = [
      { labels: { state: 'total' }, value: d.total },
      { labels: { state: 'unused' }, value: d.unused },
    ];
    if (d.negative !== undefined) out.push({ labels: { state: 'negative' }, value: d.negative });
    return out;
  });
  registerSamples(registry, METRICS.softlockupThreshold, () => [{ labels: {}, value: s.softlockupThresholdSeconds() }]);
  registerSamples(registry, METRICS.probeAttached, () =>
    s.probes().map((p) => ({ labels: { probe: p.probe, mechanism: p.mechanism }, value: p.attached ? 1 : 0 })),
  );
  registerSamples(registry, METRICS.childrenScanLimit, () => {
    const c = s.childrenScan();
    return [{ labels: { scan: c.scan }, value: c.limit }];
  });
  registerSamples(registry, METRICS.lockWaitMechanism, () => [{ labels: { mechanism: s.lockWaitMechanism() }, value: 1 }]);
  registerSamples(registry, METRICS.programRunSeconds, () =>
    s.programStats().map((p) => ({ labels: { program: p.program }, value: Number(p.runTimeNs) / 1e9 })),
  );
  registerSamples(registry, METRICS.programRuns, () => s.programStats().map((p) => ({ labels: { program: p.program }, value: Number(p.runCount) })));
}
