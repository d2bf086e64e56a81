import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Gauge, Registry } from 'prom-client';
import { acceptsGzip } from '../../src/server/metrics.js';
import { startServer } from './start.js';

test('Accept-Encoding: gzip, q-values, wildcard', () => {
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('br, GZIP;q=0.5'), true);
  assert.equal(acceptsGzip('gzip;q=0, *'), false);
  assert.equal(acceptsGzip('deflate, *;q=0.1'), true);
  assert.equal(acceptsGzip('identity'), false);
});

/** The raw response, undecoded (fetch would decompress behind our back). */
function get(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

test('/metrics is gzipped when the scraper accepts it, as Prometheus does, and plain otherwise', async () => {
  const registry = new Registry();
  const g = new Gauge({ name: 'many_series', help: 'Enough series to be worth compressing.', labelNames: ['i'], registers: [registry] });
  for (let i = 0; i < 500; i++) g.set({ i: String(i) }, i);
  const s = await startServer({ registry });
  try {
    const plain = await get(`${s.url}/metrics`, {});
    assert.equal(plain.headers['content-encoding'], undefined);
    const zipped = await get(`${s.url}/metrics`, { 'accept-encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    assert.ok(zipped.body.length < plain.body.length / 4, `${zipped.body.length} gzipped vs ${plain.body.length}`);
    assert.equal(gunzipSync(zipped.body).toString(), plain.body.toString());
  } finally {
    await s.app.close();
  }
});
