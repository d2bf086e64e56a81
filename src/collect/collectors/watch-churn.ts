// Who adds and removes watches on directories: marks per comm and cgroup, the busiest few, so a
// loop re-walking a huge directory every few seconds stands out.
import { METRICS } from '../catalog.js';
import type { Collector } from '../collector.js';
import { CHURN_PROCESSES, churnByProcess, indexRootCause } from '../root-cause.js';

export const watchChurn: Collector = {
  name: 'watch_churn',
  setup(m, { maps, cgroups }) {
    m.samples(METRICS.watchChangesByProcess, () =>
      churnByProcess(maps.derive(indexRootCause), CHURN_PROCESSES).flatMap((r) => {
        const labels = { comm: r.comm, cgroup: cgroups.resolve(r.cgroupId).cgroup };
        return [
          { labels: { ...labels, op: 'add' }, value: r.adds },
          { labels: { ...labels, op: 'remove' }, value: r.removes },
        ];
      }),
    );
  },
};
