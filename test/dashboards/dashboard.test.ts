// The Grafana dashboard: current schema, no hard-coded data source, and every query parses
// (real promtool) and uses only metrics the daemon exports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ALL_METRICS, exposedSeriesNames } from '../../src/collect/catalog.js';
import { metricNames } from '../rules/promql.js';
import { assertDashboardShape, assertQueriesParse, dashboardQueries } from './queries.js';

test('schema 39+, datasource and instance variables, no hard-coded data source uid', () => {
  assertDashboardShape('dashboards/fsnotify-exporter.json', [
    ['datasource', 'datasource'],
    ['instance', 'query'],
  ]);
});

test('every query parses under promtool', () => {
  assertQueriesParse(dashboardQueries().map((q) => q.expr));
});

test('every query uses only metrics the daemon exports', () => {
  const known = new Set([...ALL_METRICS.flatMap(exposedSeriesNames), 'process_cpu_seconds_total', 'process_resident_memory_bytes']);
  for (const { expr } of dashboardQueries()) for (const n of metricNames(expr)) assert.ok(known.has(n), `${n} in: ${expr}`);
});
