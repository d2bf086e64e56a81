// The server's own schema compilers: responses projected onto their schemas (the keys they
// declare, at every depth; a missing required key throws), no request schema accepted, and
// fastify's default compilers (Ajv, fast-json-stringify) never loaded by the server.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { project, schemaCompilers } from '../../src/server/schema-compilers.js';
import { startServer } from './start.js';

const shape = {
  type: 'object',
  required: ['a', 'list'],
  properties: {
    a: { type: 'integer' },
    opt: { type: 'string' },
    list: { type: 'array', items: { type: 'object', required: ['x'], properties: { x: { type: 'string' } } } },
  },
};

test('project: only the declared keys, at every depth; values as they are', () => {
  const value = { a: 1, extra: 'secret', list: [{ x: 'p', env: 'TOKEN=1' }, { x: 'q' }] };
  assert.deepEqual(project(shape, value), { a: 1, list: [{ x: 'p' }, { x: 'q' }] });
  assert.deepEqual(project(shape, { a: 2, opt: 'o', list: [] }), { a: 2, opt: 'o', list: [] });
  assert.equal(project({ type: 'string' }, 'text'), 'text');
});

test('project: a missing required key names its place', () => {
  assert.throws(() => project(shape, { list: [] }), { message: 'the response lacks /a, which its schema requires' });
  assert.throws(() => project(shape, { a: 1, list: [{ x: 'p' }, {}] }), { message: 'the response lacks /list/1/x, which its schema requires' });
});

test('a request schema is refused when the route is built, naming the route', () => {
  const build = schemaCompilers.buildValidator as unknown as () => (route: object) => unknown;
  assert.throws(() => build()({ method: 'GET', url: '/x', httpPart: 'querystring' }), { message: 'GET /x: this server validates no querystring schema; parse it in the route' });
});

test("every route answers without fastify's default compilers loaded", async () => {
  const { app } = await startServer({ directories: { list: () => [] } });
  try {
    for (const url of ['/', '/metrics', '/healthz', '/readyz', '/api/v1/slow-walks', '/api/v1/directories'])
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  } finally {
    await app.close();
  }
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  assert.ok(loaded.some((f) => f.includes('/node_modules/fastify/')), 'fastify itself is in the CommonJS cache');
  assert.deepEqual(loaded.filter((f) => /\/node_modules\/(ajv|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)\//.test(f)), []);
});
