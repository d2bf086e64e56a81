// The fleet dashboard: current schema, no hard-coded data source, every query parses (real
// promtool) and reads only series that rules/fsnotify-fleet.yml records.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { metricNames } from '../rules/promql.js';
import { promtool } from '../rules/promtool.js';
import { dashboardQueries } from './queries.js';

const FLEET_DASHBOARD = 'dashboards/fsnotify-fleet.json';
const dash = JSON.parse(readFileSync(FLEET_DASHBOARD, 'utf8')) as {
  schemaVersion: number;
  panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ datasource: { uid: string } }> }>;
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
};
const recorded = new Set(
  (parse(readFileSync('rules/fsnotify-fleet.yml', 'utf8')) as { groups: Array<{ rules: Array<{ record: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.record)),
);

test('fleet dashboard: schema 39+, datasource and job variables, no hard-coded data source uid', () => {
  assert.ok(dash.schemaVersion >= 39);
  assert.deepEqual(
    dash.templating.list.map((v) => [v.name, v.type]),
    [
      ['datasource', 'datasource'],
      ['job', 'query'],
    ],
  );
  for (const p of dash.panels) {
    assert.equal(p.datasource.uid, '${datasource}', p.title);
    for (const t of p.targets) assert.equal(t.datasource.uid, '${datasource}', p.title);
  }
});

test('fleet dashboard: every query parses and reads only recorded fleet series', () => {
  const queries = dashboardQueries('1m', '.+', FLEET_DASHBOARD);
  for (const { panel, expr } of queries) for (const n of metricNames(expr)) assert.ok(recorded.has(n), `${panel}: ${n} is not a fleet recording rule`);
  const variable = /label_values\(([\w:]+),/.exec(dash.templating.list[1]?.definition ?? '')?.[1];
  assert.ok(variable && recorded.has(variable), `job variable reads ${variable}`);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  const file = join(dir, 'queries.yml');
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'fleet', rules: queries.map(({ expr }, i) => ({ record: `fleet:query${i}`, expr })) }] }));
  const r = promtool('check', 'rules', file);
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
