// Basic auth under a flood of wrong passwords: bcrypt must not starve scrapes. A client gets a
// few bcrypt compares (FAILED_AUTH_BURST), then 429 without one; verified credentials never wait
// for bcrypt; and the failures are logged at warn, one summary line per client and interval.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { BasicAuthChecker } from '../../src/config/basic-auth.js';
import { PLAIN_HTTP } from '../../src/config/web-config.js';
import { createLogger } from '../../src/log.js';
import { CLIENT_ERROR_LOG_INTERVAL_MS } from '../../src/server/client-error-log.js';
import { FAILED_AUTH_BURST } from '../../src/server/web-auth.js';
import { captureLog } from './capture-log.js';
import { startServer, type Started } from './start.js';

const started: Started[] = [];
after(async () => {
  for (const s of started) await s.app.close();
});

const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
// cost 10 (Prometheus' docs use it): each compare takes 50+ ms on any machine this runs on (300 ms
// on the loaded CI machines), so the five failing ones, one after the other on the bcrypt thread,
// take far longer than a scrape that needs none: the margin of the ordering check below
const HASH = bcrypt.hashSync('s3cret', 10);

function capture() {
  const { lines, stream } = captureLog();
  return { lines, logger: createLogger('info', stream) };
}

test('50 wrong passwords at once: a few bcrypt compares, the rest 429, and the right password scrapes before they finish', async () => {
  const checker = new BasicAuthChecker(new Map([['prom', HASH]]));
  const now = 1_000_000; // a frozen clock: no failure budget refills during the flood
  const { url } = await startServer({ webConfig: { ...PLAIN_HTTP, basicAuth: checker }, now: () => now }).then((s) => (started.push(s), s));
  assert.equal((await fetch(`${url}/metrics`, { headers: basic('prom:s3cret') })).status, 200);
  assert.equal(checker.bcryptCompares, 1);

  const order: string[] = [];
  const flood = Array.from({ length: 50 }, async () => {
    const r = await fetch(`${url}/metrics`, { headers: basic('prom:wrong') });
    await r.arrayBuffer();
    order.push(String(r.status));
    return r.status;
  });
  const scrape = fetch(`${url}/metrics`, { headers: basic('prom:s3cret') }).then(async (r) => {
    await r.arrayBuffer();
    order.push('scrape');
    return r.status;
  });
  const codes = await Promise.all(flood);
  assert.equal(await scrape, 200);
  assert.equal(codes.filter((c) => c === 401).length, FAILED_AUTH_BURST);
  assert.equal(codes.filter((c) => c === 429).length, 50 - FAILED_AUTH_BURST);
  assert.equal(checker.bcryptCompares, 1 + FAILED_AUTH_BURST, 'compares: the first right one, then one per failure the budget allows');
  assert.ok(order.indexOf('scrape') < order.lastIndexOf('401'), `the scrape waited for the compares: ${order.join(' ')}`);
});

test('client errors are logged at warn: one line per client and interval, with the count by status', async () => {
  const checker = new BasicAuthChecker(new Map([['prom', bcrypt.hashSync('pw', 4)]]));
  const { lines, logger } = capture();
  let now = 1_000_000;
  const s = await startServer({ webConfig: { ...PLAIN_HTTP, basicAuth: checker }, logger, now: () => now });
  started.push(s);
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.url}/metrics`, { headers: basic('prom:wrong') })).status, 401);
  for (let i = 0; i < 4; i++) assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
  for (let i = 0; i < 2; i++) assert.equal((await fetch(`${s.url}/nope`, { headers: basic('prom:pw') })).status, 404);
  const warns = () => lines.filter((l) => l['level'] === 'warn');
  assert.deepEqual(warns(), [], 'nothing before the interval ends');
  now += CLIENT_ERROR_LOG_INTERVAL_MS;
  assert.equal((await fetch(`${s.url}/healthz`, { headers: basic('prom:pw') })).status, 200); // the next request closes the interval
  assert.equal(warns().length, 1, JSON.stringify(warns()));
  const w = warns()[0] as Record<string, unknown>;
  assert.equal(w['client'], '127.0.0.1');
  assert.equal(w['errors'], 9);
  assert.deepEqual(w['by_status'], { '401': 7, '404': 2 });
  assert.equal(w['msg'], `HTTP client errors from 127.0.0.1: 9 in the last ${CLIENT_ERROR_LOG_INTERVAL_MS / 1000}s (401 x7, 404 x2)`);
});
