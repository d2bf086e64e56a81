// The alert rules under real promtool: syntax, unit tests (a firing and a quiet case per alert),
// runbook anchors, and metric names the daemon really exports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ALL_METRICS, exposedSeriesNames } from '../../src/collect/catalog.js';
import { metricNames } from './promql.js';
import { promtool } from './promtool.js';

const RULES = 'rules/fsnotify-alerts.yml';
const TESTS = 'rules/tests/fsnotify-alerts.test.yml';

interface Rule {
  alert: string;
  expr: string;
  annotations: { runbook_url: string };
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);


test('promtool check rules', () => {
  const r = promtool('check', 'rules', RULES);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('promtool test rules', () => {
  const r = promtool('test', 'rules', TESTS);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every alert has a firing and a quiet case', () => {
  const cases = (parse(readFileSync(TESTS, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests.flatMap(
    (t) => t.alert_rule_test,
  );
  for (const { alert } of rules) {
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert}: no firing case`);
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert}: no quiet case`);
  }
});

test('every runbook_url points at a section of docs/runbooks.md', () => {
  const anchors = new Set(
    readFileSync('docs/runbooks.md', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).trim().toLowerCase()),
  );
  for (const r of rules) assert.ok(anchors.has(r.annotations.runbook_url.split('#')[1] ?? ''), `${r.alert}: ${r.annotations.runbook_url}`);
});

test('rules reference only metrics the daemon exports', () => {
  const known = new Set(ALL_METRICS.flatMap(exposedSeriesNames));
  assert.deepEqual(metricNames('sum by (instance) (rate(fsnotify_walks_total{a="b"}[5m])) > 1e6 and on (job) up'), ['fsnotify_walks_total', 'up']);
  for (const r of rules) for (const n of metricNames(r.expr)) assert.ok(known.has(n), `${r.alert} uses ${n}, which the daemon does not export`);
});
