// The collectors as the /metrics route serves them (fastify inject): every collector runs at every
// scrape, and one that throws is reported and logged while the rest are served with a 200.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseProm, sum } from '../../harness/prom-text.js';
import { METRICS, type MetricSpec } from '../../src/collect/catalog.js';
import type { Collector, CollectorContext } from '../../src/collect/collector.js';
import { Exposition } from '../../src/collect/exposition.js';
import { COLLECTORS, registerCollectors } from '../../src/collect/registry.js';
import { startServer } from '../server/start.js';

const spec = (name: string, labels: string[] = []): MetricSpec => ({ name, type: 'gauge', help: `${name}.`, labels });

async function serve(collectors: Collector[]) {
  const logged: Array<{ level: string; collector?: string; msg: string; err?: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, sink);
  const exposition = new Exposition(logger);
  registerCollectors(exposition, {} as CollectorContext, collectors);
  const { app } = await startServer({ registry: exposition });
  const scrape = async () => {
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    return { status: r.statusCode, body: r.body, m: parseProm(r.body) };
  };
  return { app, scrape, failures: () => logged.filter((l) => l.msg.endsWith('failed')), logged };
}

test('a collector that throws: success 0 for it, its partial output dropped, the rest served with 200', async () => {
  let broken = true;
  const s = await serve([
    { name: 'good', setup: (m) => m.samples(spec('x_good'), () => [{ labels: {}, value: 7 }]) },
    {
      name: 'flaky',
      setup(m) {
        m.samples(spec('x_flaky_first'), () => [{ labels: {}, value: 1 }]);
        m.samples(spec('x_flaky_second'), () => {
          if (broken) throw new Error('map read failed: EPERM');
          return [{ labels: {}, value: 2 }];
        });
      },
    },
    { name: 'after', setup: (m) => m.samples(spec('x_after', ['k']), () => [{ labels: { k: 'v' }, value: 3 }]) },
  ]);
  try {
    const r = await s.scrape();
    assert.equal(r.status, 200);
    assert.equal(sum(r.m, 'x_good'), 7);
    assert.equal(sum(r.m, 'x_after', { k: 'v' }), 3);
    assert.doesNotMatch(r.body, /x_flaky_first/, 'the failed collector\'s earlier family is dropped too');
    assert.equal(sum(r.m, METRICS.collectorSuccess.name, { collector: 'good' }), 1);
    assert.equal(sum(r.m, METRICS.collectorSuccess.name, { collector: 'flaky' }), 0);
    assert.equal(sum(r.m, METRICS.collectorSuccess.name, { collector: 'after' }), 1);
    for (const c of ['good', 'flaky', 'after']) assert.ok(r.m.has(`${METRICS.collectorDuration.name}{collector="${c}"}`), c);

    // once per failure burst: a second failing scrape logs nothing new
    await s.scrape();
    assert.deepEqual(
      s.failures().map((l) => [l.level, l.collector, l.err]),
      [['error', 'flaky', 'map read failed: EPERM']],
    );
    broken = false;
    const healed = await s.scrape();
    assert.equal(sum(healed.m, 'x_flaky_second'), 2);
    assert.equal(sum(healed.m, METRICS.collectorSuccess.name, { collector: 'flaky' }), 1);
    assert.ok(s.logged.some((l) => l.msg === 'collector flaky recovered'));
    broken = true;
    await s.scrape();
    assert.equal(s.failures().length, 2, 'a new burst is logged again');
  } finally {
    await s.app.close();
  }
});

test('the daemon\'s collectors: unique names, and every catalogue metric is declared by exactly one', () => {
  assert.equal(new Set(COLLECTORS.map((c) => c.name)).size, COLLECTORS.length);
  const declared: string[] = [];
  const record = (spec: MetricSpec) => void declared.push(spec.name);
  for (const c of COLLECTORS) {
    const stop = c.setup({ samples: record, write: record, histogram: record }, {
      maps: {},
      capacities: new Map(),
      kernel: { arch: 'x64' },
      counts: {},
      slowWalkEvents: {},
    } as unknown as CollectorContext);
    if (stop) stop();
  }
  // the two the exposition itself writes for every collector
  declared.push(METRICS.collectorSuccess.name, METRICS.collectorDuration.name);
  assert.deepEqual([...declared].sort(), Object.values(METRICS).map((m) => m.name).sort());
});
