// GET /api/v1/directories through fastify inject: the assembled diagnosis as a JSON array, the
// response schema applied (extra keys dropped, a missing field a 500), no route without a provider.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assembleDiagnosis } from '../../src/diagnosis/assemble.js';
import type { DirectoryDiagnosis } from '../../src/diagnosis/model.js';
import { creatorSource, sources } from '../diagnosis/fixture.js';
import { startServer } from './start.js';

const apps: FastifyInstance[] = [];
after(async () => {
  for (const app of apps) await app.close();
});
async function serve(list: () => DirectoryDiagnosis[]) {
  const { app } = await startServer({ directories: { list } });
  apps.push(app);
  return app;
}
const LIMITS = { directories: 20, perList: 10, paths: true };

test('the diagnosis as a JSON array: every field of the model, creators largest first, the filling directory last', async () => {
  const expected = assembleDiagnosis(sources(), LIMITS);
  const app = await serve(() => assembleDiagnosis(sources(), LIMITS));
  const r = await app.inject({ method: 'GET', url: '/api/v1/directories' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = r.json() as DirectoryDiagnosis[];
  assert.deepEqual(body, JSON.parse(JSON.stringify(expected)));
  assert.equal(body.length, 3);
  const [cache] = body;
  assert.deepEqual(cache?.negative_creators.map((c) => [c.comm, c.tgid, c.count]), [['cache-janitor', 48213, 3981207], ['python3', 991, 1411]]);
  assert.ok(cache?.negative_creators[0]?.pod_uid && cache.negative_creators[0].container_id);
  assert.deepEqual(cache?.watchers.map((w) => [w.pid, w.comm, w.api, w.mask]), [[2231, 'syncthing', 'inotify', '0xfce'], [3310, 'falcon-sensor', 'fanotify', '0x1000003b']]);
  assert.deepEqual(cache?.watch_changes, [{ comm: 'inotifywait', cgroup: '/user.slice/user-1000.slice/session-4.scope', adds: 412, removes: 411 }]);
  assert.equal(cache?.stalled[0]?.unit, 'api-gateway.service');
  assert.equal(body[2]?.path, '/home/ci/.cache/pip/http');
});

test('creators off: dentry_creations absent and the creator lists empty in the JSON', async () => {
  const app = await serve(() => assembleDiagnosis(sources({ creators: creatorSource(false) }), LIMITS));
  const body = (await app.inject({ method: 'GET', url: '/api/v1/directories' })).json() as DirectoryDiagnosis[];
  assert.equal(body.length, 2);
  for (const d of body) {
    assert.equal('dentry_creations' in d, false);
    assert.deepEqual(d.negative_creators, []);
  }
});

test('the response schema is applied: keys outside the model dropped, a missing required field is a 500', async () => {
  const [one] = assembleDiagnosis(sources(), LIMITS);
  const extra = { ...one!, secret: 'x', watchers: [{ ...one!.watchers[0]!, env: 'TOKEN=1' }] };
  const app = await serve(() => [extra]);
  const body = (await app.inject({ method: 'GET', url: '/api/v1/directories' })).json() as Array<Record<string, unknown>>;
  assert.equal('secret' in body[0]!, false);
  assert.equal('env' in (body[0]!.watchers as Array<Record<string, unknown>>)[0]!, false);

  const { walks: _dropped, ...missing } = one!;
  const broken = await serve(() => [missing as DirectoryDiagnosis]);
  assert.equal((await broken.inject({ method: 'GET', url: '/api/v1/directories' })).statusCode, 500);
});

test('no provider: no route (404), no diagnosis on the landing page, the other APIs unaffected', async () => {
  const { app } = await startServer();
  apps.push(app);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/directories' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/slow-walks' })).statusCode, 200);
  const html = (await app.inject({ method: 'GET', url: '/' })).body;
  assert.doesNotMatch(html, /Diagnosis|api\/v1\/directories/);
});

test('with a provider the landing page links the API and renders the diagnosis, also when it is empty', async () => {
  const app = await serve(() => []);
  const html = (await app.inject({ method: 'GET', url: '/' })).body;
  assert.match(html, /href="\/api\/v1\/directories"/);
  assert.match(html, /<h2 id="diagnosis">Diagnosis<\/h2>/);
  assert.match(html, /No directory walked or filling up yet\./);
  assert.match(html, /Last slow walks:<\/b> none since the daemon started/);
});
