// Logs: pino JSON lines with the service name, level names and ISO times; the HTTP server keeps
// scrapes out of the info log but still logs 5xx.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '../../src/log.js';
import { subjectAltNames } from '../../src/server/tls-client-auth.js';
import { captureLog } from './capture-log.js';
import { startServer } from './start.js';


test('createLogger: JSON with service, level name, ISO time; the level filters', () => {
  const { lines, stream } = captureLog();
  const log = createLogger('info', stream);
  log.debug('hidden');
  log.warn({ probe: 'walk_entry' }, 'not attached');
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line?.['service'], 'fsnotify-exporter');
  assert.equal(line?.['level'], 'warn');
  assert.equal(line?.['msg'], 'not attached');
  assert.equal(line?.['probe'], 'walk_entry');
  assert.ok(!Number.isNaN(Date.parse(String(line?.['time']))) && String(line?.['time']).endsWith('Z'));
});

test('the HTTP server: no info line per scrape, an error line for a 500, no process warnings', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const { lines, stream } = captureLog();
  const registry = new Registry();
  let fail = false;
  new Counter({
    name: 'x_total',
    help: 'x',
    registers: [registry],
    collect() {
      if (fail) throw new Error('boom');
    },
  });
  const s = await startServer({ registry, logger: createLogger('info', stream) });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.url}/metrics`)).status, 200);
    assert.equal((await fetch(`${s.url}/nope`)).status, 404);
    assert.equal((await fetch(`${s.url}/api/v1/slow-walks?limit=0`)).status, 400);
    assert.deepEqual(lines.filter((l) => l['level'] !== 'info' || !String(l['msg']).startsWith('listening')), []);
    fail = true;
    assert.equal((await fetch(`${s.url}/metrics`)).status, 500);
    const errors = lines.filter((l) => l['level'] === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.['msg'], 'collecting metrics failed');
    assert.equal(errors[0]?.['component'], 'http');
  } finally {
    await s.app.close();
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.map((w) => w.message), []);
});

test('client certificate SANs as Node reports them', () => {
  assert.deepEqual(subjectAltNames('DNS:scraper.example, IP Address:10.0.0.1, email:a@b.example, URI:spiffe://x/y'), [
    'scraper.example',
    '10.0.0.1',
    'a@b.example',
    'spiffe://x/y',
  ]);
  assert.deepEqual(subjectAltNames(undefined), []);
});
