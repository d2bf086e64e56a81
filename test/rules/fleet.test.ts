// The fleet recording rules under real promtool, and their inputs: only metrics the daemon
// exports or series the same file records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ALL_METRICS, exposedSeriesNames } from '../../src/collect/catalog.js';
import { metricNames } from './promql.js';
import { promtool } from './promtool.js';

const RULES = 'rules/fsnotify-fleet.yml';
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ record: string; expr: string }> }> }).groups.flatMap((g) => g.rules);

test('promtool check rules and test rules (fleet)', () => {
  for (const args of [['check', 'rules', RULES], ['test', 'rules', 'rules/tests/fsnotify-fleet.test.yml']]) {
    const r = promtool(...args);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});

test('fleet rules read exported metrics or rules recorded before them', () => {
  const known = new Set(ALL_METRICS.flatMap(exposedSeriesNames));
  for (const r of rules) {
    for (const n of metricNames(r.expr)) assert.ok(known.has(n), `${r.record} uses ${n}`);
    known.add(r.record);
  }
});

test('every recording rule has a promtool case', () => {
  const cases = readFileSync('rules/tests/fsnotify-fleet.test.yml', 'utf8');
  for (const r of rules) assert.ok(cases.includes(`expr: ${r.record}`) || cases.includes(`(${r.record})`), `${r.record}: no case`);
});
