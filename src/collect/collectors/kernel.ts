// The running kernel: which fsnotify code path it has, its dcache, its soft-lockup threshold.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import type { Sample } from '../exposition.js';

export const kernel: Collector = {
  name: 'kernel',
  setup(m, { kernel: k, dentryState, softlockupThresholdSeconds }) {
    m.samples(METRICS.kernelInfo, () => [
      { labels: { release: k.release, arch: k.arch, walk_function: k.walkFunction ?? 'none', child_list: k.childList, lazy_clear: String(k.lazyClear) }, value: 1 },
    ]);
    m.samples(METRICS.dcacheDentries, () => {
      const d = dentryState();
      if (!d) return [];
      const out: Sample[] = [
        { labels: { state: 'total' }, value: d.total },
        { labels: { state: 'unused' }, value: d.unused },
      ];
      if (d.negative !== undefined) out.push({ labels: { state: 'negative' }, value: d.negative });
      return out;
    });
    m.samples(METRICS.softlockupThreshold, () => [{ labels: {}, value: softlockupThresholdSeconds() }]);
  },
};
