// The Grafana dashboard: current schema, no hard-coded data source, and every query parses
// (real promtool) and uses only metrics the daemon exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALL_METRICS, exposedSeriesNames } from '../../src/collect/catalog.js';
import { metricNames } from '../rules/promql.js';
import { dashboardQueries } from './queries.js';

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ expr: string; datasource: { uid: string } }>;
}
const dash = JSON.parse(readFileSync('dashboards/fsnotify-exporter.json', 'utf8')) as {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
};

test('schema 39+, datasource and instance variables, no hard-coded data source uid', () => {
  assert.ok(dash.schemaVersion >= 39);
  assert.deepEqual(
    dash.templating.list.map((v) => [v.name, v.type]),
    [
      ['datasource', 'datasource'],
      ['instance', 'query'],
    ],
  );
  for (const p of dash.panels) {
    assert.equal(p.datasource.uid, '${datasource}', p.title);
    for (const t of p.targets) assert.equal(t.datasource.uid, '${datasource}', p.title);
  }
});

test('every query parses under promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dash-'));
  const file = join(dir, 'queries.yml');
  const rules = dashboardQueries().map(({ expr }, i) => ({ record: `dashboard:query${i}`, expr }));
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every query uses only metrics the daemon exports', () => {
  const known = new Set([...ALL_METRICS.flatMap(exposedSeriesNames), 'process_cpu_seconds_total', 'process_resident_memory_bytes']);
  for (const { expr } of dashboardQueries()) for (const n of metricNames(expr)) assert.ok(known.has(n), `${n} in: ${expr}`);
});
