// The basic-auth checker: bcrypt once per user:password, then the LRU; failures never cached.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { BasicAuthChecker, isBcryptHash, parseBasicAuthorization } from '../../src/config/basic-auth.js';
import { Lru } from '../../src/config/lru.js';

const header = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

test('bcrypt hash format: $2a/$2b/$2y, cost 04..31, 53 characters', () => {
  assert.ok(isBcryptHash(bcrypt.hashSync('x', 4)));
  assert.ok(isBcryptHash('$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi'));
  for (const bad of ['', 'plain', '$2y$10$short', '$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi', '$2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi', '$apr1$abc$def'])
    assert.equal(isBcryptHash(bad), false, bad);
});

test('Authorization header parsing', () => {
  assert.deepEqual(parseBasicAuthorization(header('prom:pa:ss')), { user: 'prom', password: 'pa:ss' });
  assert.deepEqual(parseBasicAuthorization(`basic ${Buffer.from('ü:ö').toString('base64')}`), { user: 'ü', password: 'ö' });
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Basic !!!']) assert.equal(parseBasicAuthorization(bad), undefined, String(bad));
});

test('right password passes, and the second check skips bcrypt', async () => {
  const c = new BasicAuthChecker(new Map([['prom', bcrypt.hashSync('s3cret', 4)]]));
  assert.equal(await c.check(header('prom:s3cret')), 'prom');
  assert.equal(c.bcryptCompares, 1);
  assert.equal(await c.check(header('prom:s3cret')), 'prom');
  assert.equal(c.bcryptCompares, 1, 'cached');
});

test('wrong passwords and unknown users fail, always through bcrypt (never cached)', async () => {
  const c = new BasicAuthChecker(new Map([['prom', bcrypt.hashSync('s3cret', 4)]]));
  assert.equal(await c.check(header('prom:wrong')), undefined);
  assert.equal(await c.check(header('prom:wrong')), undefined);
  assert.equal(await c.check(header('eve:s3cret')), undefined, "another user with prom's password");
  assert.equal(await c.check(undefined), undefined);
  assert.equal(c.bcryptCompares, 3);
});

test('LRU keeps the most recently used entries', () => {
  const l = new Lru<string, number>(2);
  l.set('a', 1);
  l.set('b', 2);
  assert.equal(l.get('a'), 1); // a is now newest
  l.set('c', 3); // evicts b
  assert.equal(l.get('b'), undefined);
  assert.equal(l.get('a'), 1);
  assert.equal(l.get('c'), 3);
  assert.equal(l.size, 2);
});

test('the cache is bounded', async () => {
  const hash = bcrypt.hashSync('pw', 4);
  const users = new Map(Array.from({ length: 5 }, (_, i) => [`u${i}`, hash] as [string, string]));
  const c = new BasicAuthChecker(users, 3);
  for (let i = 0; i < 5; i++) assert.equal(await c.verify(`u${i}`, 'pw'), true);
  assert.equal(c.bcryptCompares, 5);
  assert.equal(await c.verify('u4', 'pw'), true);
  assert.equal(c.bcryptCompares, 5, 'u4 still cached');
  assert.equal(await c.verify('u0', 'pw'), true);
  assert.equal(c.bcryptCompares, 6, 'u0 was evicted');
});
