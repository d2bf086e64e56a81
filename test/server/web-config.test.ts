// --web.config.file against real TLS clients: certificates made with openssl at test time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { readWebConfig } from '../../src/server/web-config.js';

const dir = mkdtempSync(join(tmpdir(), 'webcfg-'));
const f = (n: string) => join(dir, n);
const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

before(() => {
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  for (const name of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name === 'server' ? 'localhost' : 'scraper'}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), name === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
  }
});

const servers: FastifyInstance[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serve(yaml: string): Promise<number> {
  writeFileSync(f('web.yml'), yaml);
  const app = buildServer({
    telemetryPath: '/metrics',
    web: readWebConfig(f('web.yml')),
    registry: new Registry(),
    readiness: () => ({ ready: true, reasons: [] }),
    slowWalks: () => [],
    landing: () => ({ version: 't', kernel: 'k', walkFunction: 'w', lockWaitMechanism: 'none', probes: [] }),
    logger: pino({ level: 'silent' }),
  });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as { port: number }).port;
}

function get(port: number, opts: { auth?: string; cert?: boolean; tls?: boolean; maxVersion?: 'TLSv1.2' } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path: '/metrics', headers: opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {} };
    const req =
      opts.tls === false
        ? httpRequest(common, (res) => resolve(res.statusCode ?? 0))
        : httpsRequest(
            {
              ...common,
              ca: readFileSync(f('ca.crt')),
              servername: 'localhost',
              ...(opts.cert ? { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) } : {}),
              ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
            },
            (res) => resolve(res.statusCode ?? 0),
          );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('TLS + basic auth: right password 200, wrong or missing 401, plain HTTP fails', async () => {
  const hash = bcrypt.hashSync('s3cret', 4);
  const port = await serve(`tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`);
  assert.equal(await get(port, { auth: 'prom:s3cret' }), 200);
  assert.equal(await get(port, { auth: 'prom:s3cret' }), 200, 'cached check');
  assert.equal(await get(port, { auth: 'prom:wrong' }), 401);
  assert.equal(await get(port, { auth: 'eve:s3cret' }), 401);
  assert.equal(await get(port), 401);
  await assert.rejects(get(port, { tls: false, auth: 'prom:s3cret' }));
});

test('RequireAndVerifyClientCert: no client certificate fails the handshake, a signed one passes', async () => {
  const port = await serve('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n');
  await assert.rejects(get(port));
  assert.equal(await get(port, { cert: true }), 200);
});

test('min_version TLS13 refuses a TLS 1.2 client', async () => {
  const port = await serve('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n');
  await assert.rejects(get(port, { maxVersion: 'TLSv1.2' }));
  assert.equal(await get(port), 200);
});
