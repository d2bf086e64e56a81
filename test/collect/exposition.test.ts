import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry, Counter } from 'prom-client';
import type { MetricSpec } from '../../src/collect/catalog.js';
import { Exposition, LabelSet, TextSink } from '../../src/collect/exposition.js';

const dirSpec: MetricSpec = { name: 'x_directory_children', type: 'gauge', help: 'Children.\nSecond line.', labels: ['device', 'path', 'kind'] };

test('the exposition is prom-client text, a blank line, then each section a blank line apart', async () => {
  const prom = new Registry();
  new Counter({ name: 'own_total', help: 'Own counter.', registers: [prom] }).inc(3);
  const e = new Exposition(prom);
  const shared = new LabelSet({ device: '8:1', path: '/srv/"quoted"\\dir\nnewline' });
  e.samples(dirSpec, () => [
    { shared, labels: { kind: 'positive' }, value: 2 },
    { shared, labels: { kind: 'negative' }, value: 5e6 },
  ]);
  e.samples({ name: 'x_up', type: 'gauge', help: 'Up.', labels: [] }, () => [{ labels: {}, value: NaN }]);
  e.histogram({ name: 'x_seconds', type: 'histogram', help: 'H.', labels: ['lock'] }, () => [
    { labels: { lock: 'i_lock' }, histogram: { buckets: [[0.5, 1], [Infinity, 2]], sum: 1.5, count: 2 } },
  ]);
  assert.equal(
    (await e.metrics()).toString(),
    [
      '# HELP own_total Own counter.',
      '# TYPE own_total counter',
      'own_total 3',
      '',
      '# HELP x_directory_children Children.\\nSecond line.',
      '# TYPE x_directory_children gauge',
      'x_directory_children{device="8:1",path="/srv/\\"quoted\\"\\\\dir\\nnewline",kind="positive"} 2',
      'x_directory_children{device="8:1",path="/srv/\\"quoted\\"\\\\dir\\nnewline",kind="negative"} 5000000',
      '',
      '# HELP x_up Up.',
      '# TYPE x_up gauge',
      'x_up NaN',
      '',
      '# HELP x_seconds H.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{lock="i_lock",le="0.5"} 1',
      'x_seconds_bucket{lock="i_lock",le="+Inf"} 2',
      'x_seconds_sum{lock="i_lock"} 1.5',
      'x_seconds_count{lock="i_lock"} 2',
      '',
    ].join('\n'),
  );
});

test('a label the spec does not declare is an error, shared or not', async () => {
  const e = new Exposition(new Registry());
  e.samples(dirSpec, () => [{ shared: new LabelSet({ inode: '1' }), labels: {}, value: 1 }]);
  await assert.rejects(e.metrics(), /has no label inode/);
});

test('the text sink grows past its first buffer and keeps multi-byte UTF-8 whole', () => {
  const sink = new TextSink(0);
  const short = 'path="/srv/données/日本語"\n'; // gathered before it is copied in
  const long = `${'x'.repeat(80)} 日本語\n`; // copied in directly
  let expected = '';
  for (let i = 0; i < 2000; i++) {
    const line = i % 3 === 0 ? long : short;
    sink.write(line);
    expected += line;
  }
  assert.equal(sink.contents().toString('utf8'), expected);
  assert.equal(sink.size, Buffer.byteLength(expected));
});
