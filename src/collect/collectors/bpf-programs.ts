// CPU time and runs of each attached BPF program (zero unless kernel.bpf_stats_enabled=1), and the runs the kernel skipped.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const bpfPrograms: Collector = {
  name: 'bpf_programs',
  setup(m, { programStats }) {
    m.samples(METRICS.programRunSeconds, () => programStats().map((p) => ({ labels: { program: p.program }, value: Number(p.runTimeNs) / 1e9 })));
    m.samples(METRICS.programRuns, () => programStats().map((p) => ({ labels: { program: p.program }, value: Number(p.runCount) })));
    m.samples(METRICS.programMisses, () => programStats().map((p) => ({ labels: { program: p.program }, value: Number(p.recursionMisses) })));
  },
};
