// The HTTP endpoints over real HTTP on 127.0.0.1: metrics, health, readiness, landing page,
// slow-walk API, and the web config's headers, rate limit and basic auth (TLS: web-config.test.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { Counter, Registry } from 'prom-client';
import { BasicAuthChecker } from '../../src/config/basic-auth.js';
import { defaultOptions } from '../../src/config/options.js';
import { telemetryPath } from '../../src/config/values.js';
import { PLAIN_HTTP } from '../../src/config/web-config.js';
import type { SlowWalk } from '../../src/server/types.js';
import { startServer, type Started } from './start.js';

const started: Started[] = [];
const start = async (...args: Parameters<typeof startServer>) => {
  const s = await startServer(...args);
  started.push(s);
  return s;
};
after(async () => {
  for (const s of started) await s.app.close();
});

function walk(i: number): SlowWalk {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    pid: 1000 + i,
    tgid: 1000 + i,
    comm: `proc${i}`,
    cgroup_id: '1234',
    trigger: 'watch_change',
    syscall: 'inotify_add_watch',
    device: '8:1',
    inode: String(4000 + i),
    path: `/dir${i}`,
    duration_seconds: 0.05 + i / 1000,
    children: { positive: i, negative: 200_000, truncated: false },
    concurrent_walkers: 1,
    lock_wait_seconds: { i_lock: 0.001, d_lock: 0 },
  };
}
/** Newest first, like the collector's store. */
const STORE = Array.from({ length: 150 }, (_, i) => walk(i)).reverse();
const slowWalks = { list: (limit: number) => STORE.slice(0, limit) };

test('/metrics: the registry in its content type, collected at scrape time', async () => {
  const registry = new Registry();
  let scrapes = 0;
  new Counter({
    name: 'fsnotify_parent_calls_total',
    help: 'Calls of __fsnotify_parent().',
    registers: [registry],
    collect() {
      scrapes++;
      this.reset();
      this.inc(42 * scrapes);
    },
  });
  const { url } = await start({ registry });
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), registry.contentType);
  assert.match(await r.text(), /^# HELP fsnotify_parent_calls_total Calls of __fsnotify_parent\(\)\.\n# TYPE fsnotify_parent_calls_total counter\nfsnotify_parent_calls_total 42\n/m);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^fsnotify_parent_calls_total 84$/m);
  assert.equal(scrapes, 2);
});

test('--web.telemetry-path moves the metrics', async () => {
  const options = defaultOptions();
  options.web.telemetryPath = '/prom/metrics';
  const { url } = await start({ options });
  assert.equal((await fetch(`${url}/prom/metrics`)).status, 200);
  assert.equal((await fetch(`${url}/metrics`)).status, 404);
});

test('every telemetry path the flag accepts can be scraped', async () => {
  for (const path of ['/prom/metrics', '/a-b_c.d~e', '/metrics/', '/Metrics2']) {
    const options = defaultOptions();
    options.web.telemetryPath = telemetryPath(path);
    const { url } = await start({ options });
    assert.equal((await fetch(`${url}${path}`)).status, 200, path);
  }
});

test('a failing collect() is a 500 that says why', async () => {
  const registry = new Registry();
  new Counter({
    name: 'broken_total',
    help: 'x',
    registers: [registry],
    collect() {
      throw new Error('map read failed');
    },
  });
  const { url } = await start({ registry });
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 500);
  assert.equal(await r.text(), 'collecting metrics failed: map read failed\n');
});

test('/healthz 200 always; /readyz 503 with reasons, then 200 listing what runs degraded', async () => {
  let state: { ready: boolean; reasons: string[]; degraded?: string[] } = { ready: false, reasons: ['walk_entry not attached: the kernel has no kprobes'] };
  const { url } = await start({ readiness: () => state });
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  const notReady = await fetch(`${url}/readyz`);
  assert.equal(notReady.status, 503);
  assert.match(notReady.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await notReady.json(), { ...state, degraded: [] });

  const degraded = ['walk_entry: bounded child scan (no bpf_loop): children counted exactly up to 8192'];
  state = { ready: true, reasons: [], degraded };
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true, reasons: [], degraded });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
});

test('landing page: links, version, probe status, escaped', async () => {
  const { url } = await start({
    landingInfo: () => ({
      version: '1.2.3',
      kernel: '6.1.0-test (x86_64)',
      walkFunction: 'fsnotify_set_children_dentry_flags',
      lockWaitMechanism: 'qspinlock_slowpath',
      probes: [
        { probe: 'walk_entry', mechanism: 'fentry', attached: true, target: 'fsnotify_set_children_dentry_flags' },
        { probe: 'lock_wait_entry', mechanism: 'kprobe', attached: false, target: 'native_queued_spin_lock_slowpath', error: '<EPERM> & friends' },
      ],
    }),
  });
  const r = await fetch(`${url}/`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await r.text();
  for (const href of ['/metrics', '/healthz', '/readyz', '/api/v1/slow-walks']) assert.ok(html.includes(`href="${href}"`), href);
  assert.match(html, /Version 1\.2\.3/);
  assert.match(html, /1 of 2 attached/);
  assert.match(html, /<td>walk_entry<\/td><td>fentry<\/td><td>fsnotify_set_children_dentry_flags<\/td><td>attached<\/td>/);
  assert.match(html, /not attached<\/b>: &#60;EPERM&#62; &#38; friends/);
});

test('/api/v1/slow-walks: newest first, limit 1..1000, default 100', async () => {
  const { url } = await start({ slowWalks });
  const all = await fetch(`${url}/api/v1/slow-walks`);
  assert.equal(all.status, 200);
  const body = (await all.json()) as { events: SlowWalk[] };
  assert.equal(body.events.length, 100);
  assert.deepEqual(body.events[0], walk(149));

  const two = (await (await fetch(`${url}/api/v1/slow-walks?limit=2`)).json()) as { events: SlowWalk[] };
  assert.deepEqual(two, { events: [walk(149), walk(148)] });
  const max = (await (await fetch(`${url}/api/v1/slow-walks?limit=1000`)).json()) as { events: SlowWalk[] };
  assert.equal(max.events.length, 150);

  for (const bad of ['0', '1001', '-1', '1.5', 'ten', '', 'Infinity', '-Infinity', '1e309', '1e3', '0x10', ' 5', 'NaN']) {
    const r = await fetch(`${url}/api/v1/slow-walks?limit=${bad}`);
    assert.equal(r.status, 400, `limit=${bad}`);
    assert.equal(((await r.json()) as { message: string }).message, 'limit must be an integer from 1 to 1000', `limit=${bad}`);
  }
});

test('unknown paths are 404', async () => {
  const { url } = await start();
  assert.equal((await fetch(`${url}/nope`)).status, 404);
});

test('web config over plain HTTP: headers on every answer, basic auth on every route (401 + WWW-Authenticate)', async () => {
  const webConfig = {
    ...PLAIN_HTTP,
    headers: { 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff' },
    basicAuth: new BasicAuthChecker(new Map([['prom', bcrypt.hashSync('s3cret', 4)]])),
  };
  const { url } = await start({ webConfig, slowWalks, directories: { list: () => [] } });
  const auth = { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` };
  for (const path of ['/metrics', '/healthz', '/readyz', '/', '/api/v1/slow-walks', '/api/v1/directories', '/nope']) {
    const denied = await fetch(`${url}${path}`);
    assert.equal(denied.status, 401, path);
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic realm="fsnotify-exporter"/, path);
    assert.equal(denied.headers.get('x-frame-options'), 'deny', path);
    const ok = await fetch(`${url}${path}`, { headers: auth });
    assert.equal(ok.status, path === '/nope' ? 404 : 200, path);
    assert.equal(ok.headers.get('x-content-type-options'), 'nosniff', path);
  }
  const wrong = await fetch(`${url}/metrics`, { headers: { authorization: `Basic ${Buffer.from('prom:nope').toString('base64')}` } });
  assert.equal(wrong.status, 401);
});

test('rate_limit: burst, then 429', async () => {
  const { url } = await start({ webConfig: { ...PLAIN_HTTP, rateLimit: { burst: 3, intervalMs: 60_000 } } });
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await fetch(`${url}/healthz`)).status);
  assert.deepEqual(codes, [200, 200, 200, 429, 429]);
});
