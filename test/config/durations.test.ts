import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, InvalidDuration, parseDurationMs, parseDurationNs } from '../../src/config/durations.js';

test('Prometheus-style durations parse to ms and ns', () => {
  const cases: [string, number][] = [
    ['250ms', 250],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['2m30s500ms', 150_500],
    ['0', 0],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text), ms, text);
  assert.equal(parseDurationNs('50ms'), 50_000_000n);
  assert.equal(parseDurationNs('10s'), 10_000_000_000n);
});

test('garbage is rejected with the text in the message', () => {
  for (const bad of ['', ' ', '10', 'soon', '1.5s', '-1s', '+1s', '10 s', '1s1m', '1m1m', '1S', 's', 'ms', '1us', '10s ', '1e3ms', '99999999999999999999y']) {
    assert.throws(() => parseDurationMs(bad), (e: unknown) => e instanceof InvalidDuration && e.message.includes(JSON.stringify(bad)), bad);
  }
});

test('formatDuration is the inverse for whole units', () => {
  for (const ms of [1, 50, 250, 1000, 10_000, 60_000, 90_000, 5_400_000, 86_400_000]) assert.equal(parseDurationMs(formatDuration(ms)), ms);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(0), '0');
});
