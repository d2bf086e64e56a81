// The dashboard's PromQL, with Grafana's variables replaced by values Prometheus accepts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promtool } from '../rules/promtool.js';

export interface DashboardQuery {
  panel: string;
  expr: string;
}

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

export const dashboard = (file = 'dashboards/fsnotify-exporter.json'): Dashboard => JSON.parse(readFileSync(file, 'utf8')) as Dashboard;

/** `window` stands in for $__rate_interval and $__interval; `instance` (and the fleet's `job`) is a regex. */
export function dashboardQueries(window = '1m', instance = '.+', file?: string): DashboardQuery[] {
  return dashboard(file).panels.flatMap((p) =>
    p.targets.map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$__rate_interval', window).replaceAll('$__interval', window).replaceAll('$instance', instance).replaceAll('$job', instance),
    })),
  );
}

/** The metric that the instance variable's label_values() reads. */
export function instanceVariableMetric(): string {
  const def = dashboard().templating.list.find((v) => v.name === 'instance')?.definition ?? '';
  const m = /label_values\((\w+),\s*instance\)/.exec(def);
  if (!m) throw new Error(`unexpected instance variable: ${def}`);
  return m[1] as string;
}

interface Shape {
  schemaVersion: number;
  panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ datasource: { uid: string } }> }>;
  templating: { list: Array<{ name: string; type: string }> };
}

/** Schema 39+, exactly these variables ([name, type]), every panel and query on the datasource variable. */
export function assertDashboardShape(file: string, variables: Array<[string, string]>): void {
  const d = JSON.parse(readFileSync(file, 'utf8')) as Shape;
  assert.ok(d.schemaVersion >= 39);
  assert.deepEqual(
    d.templating.list.map((v) => [v.name, v.type]),
    variables,
  );
  for (const p of d.panels) {
    assert.equal(p.datasource.uid, '${datasource}', p.title);
    for (const t of p.targets) assert.equal(t.datasource.uid, '${datasource}', p.title);
  }
}

/** Every expression parses under promtool (as recording rules in a scratch file). */
export function assertQueriesParse(exprs: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'dash-'));
  const file = join(dir, 'queries.yml');
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query${i}`, expr })) }] }));
  const r = promtool('check', 'rules', file);
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}
