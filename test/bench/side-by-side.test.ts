// bench/steady-side-by-side.ts and its report: goal 3's steady verdict from windows where both builds are scraped in turn.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { median, summarize, type WindowCounts } from '../../bench/latency-windows.js';
import { seriesCount } from '../../harness/prom-text.js';
import { renderSideBySide, sideBySideGoalRows } from '../../bench/side-by-side-report.js';
import { settled, windowRatios, STEADY_TOLERANCE, type SideBySide } from '../../bench/steady-side-by-side.js';

const window = (p99ms: number, errors = 0): WindowCounts => ({ scrapes: 1000, errors, requestsPerSecond: 66, p50ms: p99ms / 2, p99ms, cpuNs: 1e9, stealTicks: 1, totalTicks: 100 });

/** one row whose main windows are the baseline's times `ratios`, window by window */
function run(baselineP99: number[], ratios: number[], errors = 0): SideBySide {
  const main = baselineP99.map((b, i) => window(b * (ratios[i] as number), i === 0 ? errors : 0));
  const p99Ratios = windowRatios(main.map((w) => w.p99ms), baselineP99);
  return {
    commit: 'dc3a772',
    seconds: 15,
    windows: baselineP99.length,
    tolerance: STEADY_TOLERANCE,
    rows: [
      {
        target: { series: 1000 },
        baseline: { topDirectories: 79, series: 998, directorySeries: 474, latency: summarize(baselineP99.map((p) => window(p))) },
        main: { topDirectories: 65, series: 998, directorySeries: 520, latency: summarize(main) },
        p99Ratios,
        p99Ratio: median(p99Ratios),
      },
    ],
  };
}

test('window ratios: main over the baseline in the same window, not over the whole run', () => {
  // the second window fell in a burst of steal, on both daemons, scraped in turn
  assert.deepEqual(windowRatios([4, 16, 4.2, 3.8], [4, 15, 4, 4]), [1, 1.067, 1.05, 0.95]);
});

test('the steady goal reads the median window ratio against 1 + the tolerance, and names every window', () => {
  // one window far off does not tip the median
  const level = sideBySideGoalRows(run([4, 6, 4, 5], [0.98, 1.02, 1.05, 2.5]));
  assert.equal(level.length, 1);
  assert.match(level[0] as string, /ratio 1\.04 \(windows 0\.98 \/ 1\.02 \/ 1\.05 \/ 2\.50\) \| met \|$/);
  const worse = sideBySideGoalRows(run([4, 6, 4, 5], [1.15, 1.2, 1.12, 0.9]));
  assert.match(worse[0] as string, /ratio 1\.14 .*\*\*missed\*\* \|$/);
});

test('scrape errors and a failed build fail the bench; a clone without the commit is reported, not failed', () => {
  const md: string[] = [];
  assert.deepEqual(renderSideBySide(run([4, 4], [1, 1]), md), []);
  assert.ok(md.some((l) => l.startsWith('| 1,000 series | 998 / 998 |')));
  assert.deepEqual(renderSideBySide(run([4, 4], [1, 1], 3), []), ['3 errors scraping side by side at 1,000 series']);
  assert.equal(renderSideBySide({ commit: 'dc3a772', error: 'npm ci failed in /x: E404' }, []).length, 1);
  const shallow: string[] = [];
  assert.deepEqual(renderSideBySide({ commit: 'dc3a772', error: 'this clone has no commit dc3a772 (a shallow clone?): fetch its history' }, shallow), []);
  assert.ok(shallow.some((l) => l.startsWith('Not measured: this clone has no commit')));
  assert.deepEqual(sideBySideGoalRows({ commit: 'dc3a772', error: 'x' }), []);
});

test('a daemon settles once a poll finds its threads idle, and a busy one is waited for at most the limit', async () => {
  // its GC at work for three polls (1 ms of CPU each), then idle
  const busyThenIdle = [0, 1e6, 2e6, 3e6, 3e6, 3e6];
  let calls = 0;
  await settled(1, () => busyThenIdle[Math.min(calls++, busyThenIdle.length - 1)] as number);
  assert.equal(calls, 5, 'the first read, three busy polls, one idle poll');
  let busy = 0;
  const t0 = performance.now();
  await settled(1, () => (busy += 1e6));
  assert.ok(performance.now() - t0 >= 500, 'waited to the limit');
  assert.ok(busy > 2e6);
});

test("a build's series are its exposition's non-comment lines; its directory series those of fsnotify_directory_", () => {
  const body = '# HELP fsnotify_walks_total x\n# TYPE fsnotify_walks_total counter\nfsnotify_walks_total 3\nfsnotify_directory_walks_total{path="/a"} 1\nfsnotify_directory_walks_total{path="/b"} 2\n';
  assert.equal(seriesCount(body), 3);
  assert.equal(seriesCount(body, 'fsnotify_directory_'), 2);
});
