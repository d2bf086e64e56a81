// The fleet dashboard: current schema, no hard-coded data source, every query parses (real
// promtool) and reads only series that rules/fsnotify-fleet.yml records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { metricNames } from '../rules/promql.js';
import { assertDashboardShape, assertQueriesParse, dashboardQueries } from './queries.js';

const FLEET_DASHBOARD = 'dashboards/fsnotify-fleet.json';
const variables = (JSON.parse(readFileSync(FLEET_DASHBOARD, 'utf8')) as { templating: { list: Array<{ definition?: string }> } }).templating.list;
const recorded = new Set(
  (parse(readFileSync('rules/fsnotify-fleet.yml', 'utf8')) as { groups: Array<{ rules: Array<{ record: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.record)),
);

test('fleet dashboard: schema 39+, datasource and job variables, no hard-coded data source uid', () => {
  assertDashboardShape(FLEET_DASHBOARD, [
    ['datasource', 'datasource'],
    ['job', 'query'],
  ]);
});

test('fleet dashboard: every query parses and reads only recorded fleet series', () => {
  const queries = dashboardQueries('1m', '.+', FLEET_DASHBOARD);
  for (const { panel, expr } of queries) for (const n of metricNames(expr)) assert.ok(recorded.has(n), `${panel}: ${n} is not a fleet recording rule`);
  const variable = /label_values\(([\w:]+),/.exec(variables[1]?.definition ?? '')?.[1];
  assert.ok(variable && recorded.has(variable), `job variable reads ${variable}`);
  assertQueriesParse(queries.map((q) => q.expr));
});
