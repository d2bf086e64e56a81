// The process collector: prom-client's default process metrics by name, type and help (dashboards
// and users query them), values read from this process, and its parsers and GC buckets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseProm } from '../../harness/prom-text.js';
import { GcDurations, maxOpenFiles, nodeProcess, statusMemory } from '../../src/collect/collectors/process.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { Exposition } from '../../src/collect/exposition.js';

/** `# HELP` and `# TYPE` lines of a text exposition, by family. */
const families = (text: string) =>
  new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith('# HELP '))
      .map((l) => {
        const name = l.split(' ')[2] as string;
        const type = new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1];
        return [name, `${type} ${l.slice(`# HELP ${name} `.length)}`];
      }),
  );

async function ours(): Promise<string> {
  const e = new Exposition();
  const stop = e.register(nodeProcess.name, (m) => nodeProcess.setup(m, {} as CollectorContext));
  try {
    return (await e.metrics()).toString();
  } finally {
    stop();
  }
}

test("prom-client's default process metrics, each with its name, type and help (but the event-loop lag, exported elsewhere, and the *_total gauges promtool rejects)", async () => {
  const r = new Registry();
  collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 2 ** 31 - 1 });
  const theirs = families(await r.metrics());
  r.clear();
  const mine = families(await ours());
  const left = [...theirs.keys()].filter((n) => !mine.has(n)).sort();
  assert.deepEqual(
    left,
    [...['', 'max_', 'mean_', 'min_', 'p50_', 'p90_', 'p99_', 'stddev_'].map((s) => `nodejs_eventloop_lag_${s}seconds`), 'nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].sort(),
  );
  for (const [name, typeAndHelp] of mine) if (theirs.has(name)) assert.equal(typeAndHelp, theirs.get(name), name);
});

test('values are this process\'s: CPU, memory, descriptors, heap, version', async () => {
  const m = parseProm(await ours());
  const status = readFileSync('/proc/self/status', 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  const rss = m.get('process_resident_memory_bytes') as number;
  assert.ok(Math.abs(rss - rssKb * 1024) < 16 * 2 ** 20, `${rss} vs VmRSS ${rssKb} kB`); // read moments apart
  assert.ok((m.get('process_cpu_seconds_total') as number) > 0);
  const parts = (m.get('process_cpu_user_seconds_total') as number) + (m.get('process_cpu_system_seconds_total') as number);
  assert.ok(Math.abs((m.get('process_cpu_seconds_total') as number) - parts) < 1e-9, 'one CPU reading for the three');
  assert.ok((m.get('process_open_fds') as number) >= 3);
  assert.equal(m.get('process_max_fds'), maxOpenFiles(readFileSync('/proc/self/limits', 'utf8')));
  assert.ok((m.get('nodejs_heap_size_used_bytes') as number) > 0);
  assert.ok((m.get('nodejs_heap_space_size_used_bytes{space="old"}') as number) > 0);
  const [major, minor, patch] = process.versions.node.split('.');
  assert.equal(m.get(`nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"}`), 1);
  assert.ok(Math.abs((m.get('process_start_time_seconds') as number) - (Date.now() / 1000 - process.uptime())) <= 1);
});

test('statusMemory and maxOpenFiles read the fields they name, and nothing when a field is missing', () => {
  assert.deepEqual(statusMemory('Name:\tnode\nVmSize:\t  1000 kB\nVmRSS:\t    20 kB\nVmData:\t   300 kB\n'), { resident: 20 * 1024, virtual: 1000 * 1024, heap: 300 * 1024 });
  assert.deepEqual(statusMemory('Name:\tkthreadd\n'), { resident: undefined, virtual: undefined, heap: undefined });
  const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
  assert.equal(maxOpenFiles(limits), 1024);
  assert.equal(maxOpenFiles(limits.replace('1024 ', 'unlimited')), undefined);
});

test('GC durations: cumulative buckets per kind, +Inf the count', () => {
  const gc = new GcDurations();
  gc.observe('minor', 0.0005);
  gc.observe('minor', 0.05);
  gc.observe('major', 3);
  const [minor, major] = gc.histograms();
  assert.deepEqual(minor, { labels: { kind: 'minor' }, histogram: { buckets: [[0.001, 1], [0.01, 1], [0.1, 2], [1, 2], [2, 2], [5, 2], [Infinity, 2]], sum: 0.0505, count: 2 } });
  assert.deepEqual(major?.histogram.buckets, [[0.001, 0], [0.01, 0], [0.1, 0], [1, 0], [2, 0], [5, 1], [Infinity, 1]]);
});
