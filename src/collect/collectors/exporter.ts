// The exporter itself: versions, and how each probe is attached.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';

export const exporter: Collector = {
  name: 'exporter',
  setup(m, { kernel, version, libbpfVersion, probes, lockWaitMechanism, childrenScan }) {
    m.samples(METRICS.buildInfo, () => [{ labels: { version, nodejs: process.version, libbpf: libbpfVersion, arch: kernel.arch }, value: 1 }]);
    m.samples(METRICS.probeAttached, () => probes().map((p) => ({ labels: { probe: p.probe, mechanism: p.mechanism }, value: p.attached ? 1 : 0 })));
    m.samples(METRICS.lockWaitMechanism, () => [{ labels: { mechanism: lockWaitMechanism() }, value: 1 }]);
    m.samples(METRICS.childrenScanLimit, () => {
      const c = childrenScan();
      return [{ labels: { scan: c.scan }, value: c.limit }];
    });
  },
};
