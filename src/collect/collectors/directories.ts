// Per-directory series of the top-K directories by walk time: at most K series per metric and
// label combination, whatever the kernel's map holds.
import type { Collector } from '../collector.js';
import { DIRECTORY_METRICS, DirectorySeries } from '../directory-series.js';
import type { Snapshot } from '../snapshot.js';
import { topDirectoriesOf } from '../top-directories.js';

export const directories: Collector = {
  name: 'directories',
  setup(m, { maps, topDirectories: k, pathLabels }) {
    const series = new DirectorySeries(pathLabels);
    // four metrics ask per scrape: cut once per snapshot
    const cut = (s: Snapshot) => series.select(topDirectoriesOf(s.dirs, k));
    DIRECTORY_METRICS.forEach((spec, i) => m.write(spec, (out) => series.write(i, maps.derive(cut), out)));
  },
};
