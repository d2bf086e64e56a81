import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSpec } from '../../src/collect/catalog.js';
import { Exposition, LabelSet, TextSink } from '../../src/collect/exposition.js';

const dirSpec: MetricSpec = { name: 'x_directory_children', type: 'gauge', help: 'Children.\nSecond line.', labels: ['device', 'path', 'kind'] };

test('each family in turn, then every collector\'s success and duration', async () => {
  const e = new Exposition();
  e.register('own', (m) => m.samples({ name: 'own_total', type: 'counter', help: 'Own counter.', labels: [] }, () => [{ labels: {}, value: 3 }]));
  e.register('x', (m) => {
    const shared = new LabelSet({ device: '8:1', path: '/srv/"quoted"\\dir\nnewline' });
    m.samples(dirSpec, () => [
      { shared, labels: { kind: 'positive' }, value: 2 },
      { shared, labels: { kind: 'negative' }, value: 5e6 },
    ]);
    m.samples({ name: 'x_up', type: 'gauge', help: 'Up.', labels: [] }, () => [{ labels: {}, value: NaN }]);
    m.histogram({ name: 'x_seconds', type: 'histogram', help: 'H.', labels: ['lock'] }, () => [
      { labels: { lock: 'i_lock' }, histogram: { buckets: [[0.5, 1], [Infinity, 2]], sum: 1.5, count: 2 } },
    ]);
  });
  const text = (await e.metrics()).toString();
  const durations = text.split('\n').filter((l) => l.startsWith('fsnotify_exporter_collector_duration_seconds{'));
  assert.deepEqual(
    durations.map((l) => l.replace(/ [\d.e-]+$/, ' D')),
    ['fsnotify_exporter_collector_duration_seconds{collector="own"} D', 'fsnotify_exporter_collector_duration_seconds{collector="x"} D'],
  );
  assert.equal(
    text.slice(0, text.indexOf('# HELP fsnotify_exporter_collector_duration_seconds')),
    [
      '# HELP own_total Own counter.',
      '# TYPE own_total counter',
      'own_total 3',
      '# HELP x_directory_children Children.\\nSecond line.',
      '# TYPE x_directory_children gauge',
      'x_directory_children{device="8:1",path="/srv/\\"quoted\\"\\\\dir\\nnewline",kind="positive"} 2',
      'x_directory_children{device="8:1",path="/srv/\\"quoted\\"\\\\dir\\nnewline",kind="negative"} 5000000',
      '# HELP x_up Up.',
      '# TYPE x_up gauge',
      'x_up NaN',
      '# HELP x_seconds H.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{lock="i_lock",le="0.5"} 1',
      'x_seconds_bucket{lock="i_lock",le="+Inf"} 2',
      'x_seconds_sum{lock="i_lock"} 1.5',
      'x_seconds_count{lock="i_lock"} 2',
      '# HELP fsnotify_exporter_collector_success Whether each collector succeeded at this scrape (1) or not (0).',
      '# TYPE fsnotify_exporter_collector_success gauge',
      'fsnotify_exporter_collector_success{collector="own"} 1',
      'fsnotify_exporter_collector_success{collector="x"} 1',
      '',
    ].join('\n'),
  );
});

test('a label the spec does not declare fails its collector, shared or not', async () => {
  const e = new Exposition();
  e.register('x', (m) => m.samples(dirSpec, () => [{ shared: new LabelSet({ inode: '1' }), labels: {}, value: 1 }]));
  e.register('y', (m) => m.samples({ ...dirSpec, name: 'y_children' }, () => [{ labels: { kind: 'k' }, value: 1 }]));
  const text = (await e.metrics()).toString();
  assert.match(text, /^fsnotify_exporter_collector_success\{collector="x"\} 0$/m);
  assert.match(text, /^y_children\{kind="k"\} 1$/m);
  assert.doesNotMatch(text, /inode/);
});

test('a metric or collector registered twice is an error', () => {
  const e = new Exposition();
  e.register('x', (m) => m.samples(dirSpec, () => []));
  assert.throws(() => e.register('x', () => undefined), /collector x registered twice/);
  assert.throws(() => e.register('y', (m) => m.write(dirSpec, () => undefined)), /metric x_directory_children registered twice/);
});

test('the text sink grows past its first buffer and keeps multi-byte UTF-8 whole', () => {
  const sink = new TextSink(0);
  const short = 'path="/srv/données/日本語"\n'; // short, not ASCII: through the encoder
  const ascii = 'fsnotify_walks_total{device="8:1"} '; // short and ASCII: copied char by char
  const long = `${'x'.repeat(80)} 日本語\n`; // long: through the encoder
  let expected = '';
  for (let i = 0; i < 3000; i++) {
    const line = [long, short, ascii][i % 3] as string;
    sink.write(line);
    expected += line;
  }
  assert.equal(sink.contents().toString('utf8'), expected);
  assert.equal(sink.size, Buffer.byteLength(expected));
});

test('values are written as String(v) writes them, integers as digits', () => {
  const values = [0, -0, 1, 7, 10, 99, 100, 123456789, -42, 2 ** 53 - 1, 2 ** 53, 2 ** 64, -(2 ** 60), 0.5, -0.25, 1e-7, 1.5e300, NaN, Infinity, -Infinity];
  const sink = new TextSink(0);
  for (const v of values) {
    sink.value(v);
    sink.byte(0x0a);
  }
  const text = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
  assert.equal(sink.contents().toString('utf8'), values.map((v) => `${text(v)}\n`).join(''));
});
