// --web.config.file against real TLS clients, with certificates made by openssl at test time:
// basic auth over TLS, plain HTTP to the TLS port, each client_auth_type, client_allowed_sans,
// min_version.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { loadWebConfig } from '../../src/config/web-config.js';
import { makePki, type Pki } from './pki.js';
import { startServer, type Started } from './start.js';

let pki: Pki;
before(() => {
  pki = makePki();
});
const started: Started[] = [];
after(async () => {
  for (const s of started) await s.app.close();
});

/** Serves with this web config (written next to the certificates); the port. */
async function serve(yaml: string): Promise<number> {
  writeFileSync(pki.file('web.yml'), yaml);
  const s = await startServer({ webConfig: loadWebConfig(pki.file('web.yml')) });
  started.push(s);
  return s.port;
}

interface Get {
  auth?: string;
  /** client certificate: signed by the CA, or self-signed */
  cert?: 'client' | 'rogue';
  plain?: boolean;
  maxVersion?: 'TLSv1.2';
  /** the only TLS 1.2 suites the client offers (OpenSSL names) */
  ciphers?: string;
}
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function get(port: number, o: Get = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const common = {
      host: '127.0.0.1',
      port,
      path: '/metrics',
      agent: false as const,
      headers: o.auth ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` } : {},
    };
    const done = (res: { statusCode?: number; headers: Answer['headers']; resume: () => void }) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    };
    const req = o.plain
      ? httpRequest(common, done)
      : httpsRequest(
          {
            ...common,
            ca: pki.read('ca.crt'),
            servername: 'localhost',
            ...(o.cert ? { cert: pki.read(`${o.cert}.crt`), key: pki.read(`${o.cert}.key`) } : {}),
            ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
            ...(o.ciphers ? { ciphers: o.ciphers } : {}),
          },
          done,
        );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
const status = async (port: number, o: Get = {}) => (await get(port, o)).status;

const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';
const withClientAuth = (type: string, extra = '') => `${TLS}  client_ca_file: ca.crt\n  client_auth_type: ${type}\n${extra}`;

test('TLS + basic auth: right password 200, wrong or missing 401, plain HTTP to the TLS port fails', async () => {
  const hash = bcrypt.hashSync('s3cret', 4);
  const port = await serve(`${TLS}basic_auth_users:\n  prom: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`);
  const ok = await get(port, { auth: 'prom:s3cret' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-frame-options'], 'deny');
  assert.equal(await status(port, { auth: 'prom:s3cret' }), 200, 'second time: from the cache');
  assert.equal(await status(port, { auth: 'prom:wrong' }), 401);
  assert.equal(await status(port, { auth: 'eve:s3cret' }), 401);
  const missing = await get(port);
  assert.equal(missing.status, 401);
  assert.match(String(missing.headers['www-authenticate']), /^Basic /);
  assert.equal(missing.headers['x-frame-options'], 'deny');
  await assert.rejects(get(port, { plain: true, auth: 'prom:s3cret' }));
});

test('RequireAndVerifyClientCert: no certificate or a self-signed one fails the handshake, a CA-signed one passes', async () => {
  const port = await serve(withClientAuth('RequireAndVerifyClientCert'));
  await assert.rejects(get(port));
  await assert.rejects(get(port, { cert: 'rogue' }));
  assert.equal(await status(port, { cert: 'client' }), 200);
});

test('RequireAnyClientCert: any certificate, but one is needed', async () => {
  const port = await serve(withClientAuth('RequireAnyClientCert'));
  await assert.rejects(get(port));
  assert.equal(await status(port, { cert: 'rogue' }), 200);
  assert.equal(await status(port, { cert: 'client' }), 200);
});

test('VerifyClientCertIfGiven: none is fine, a given one must verify', async () => {
  const port = await serve(withClientAuth('VerifyClientCertIfGiven'));
  assert.equal(await status(port), 200);
  assert.equal(await status(port, { cert: 'client' }), 200);
  await assert.rejects(get(port, { cert: 'rogue' }));
});

test('RequestClientCert: asks, takes anything', async () => {
  const port = await serve(withClientAuth('RequestClientCert'));
  assert.equal(await status(port), 200);
  assert.equal(await status(port, { cert: 'rogue' }), 200);
});

test('client_allowed_sans: the client certificate must carry one of them', async () => {
  const allowed = await serve(withClientAuth('RequireAndVerifyClientCert', '  client_allowed_sans: [scraper.example]\n'));
  assert.equal(await status(allowed, { cert: 'client' }), 200);
  const other = await serve(withClientAuth('RequireAndVerifyClientCert', '  client_allowed_sans: [prometheus.example]\n'));
  await assert.rejects(get(other, { cert: 'client' }));
});

test('client certificates and basic auth together: both are needed', async () => {
  const port = await serve(withClientAuth('RequireAndVerifyClientCert', `basic_auth_users:\n  prom: '${bcrypt.hashSync('pw', 4)}'\n`));
  assert.equal(await status(port, { cert: 'client' }), 401);
  assert.equal(await status(port, { cert: 'client', auth: 'prom:pw' }), 200);
  await assert.rejects(get(port, { auth: 'prom:pw' }));
});

test('min_version TLS13 refuses a TLS 1.2 client', async () => {
  const port = await serve(`${TLS}  min_version: TLS13\n`);
  await assert.rejects(get(port, { maxVersion: 'TLSv1.2' }));
  assert.equal(await status(port), 200);
  const tls12 = await serve(TLS);
  assert.equal(await status(tls12, { maxVersion: 'TLSv1.2' }), 200, 'the default minimum is TLS 1.2');
});

const RSA_TLS = 'tls_server_config:\n  cert_file: server-rsa.crt\n  key_file: server-rsa.key\n';
const tls12 = (ciphers: string): Get => ({ maxVersion: 'TLSv1.2', ciphers });

test("TLS 1.2 by default takes Go's secure suites only (ECDHE with AEAD): static RSA and CBC are refused", async () => {
  const port = await serve(RSA_TLS);
  for (const suite of ['AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384'])
    await assert.rejects(get(port, tls12(suite)), suite);
  for (const suite of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) assert.equal(await status(port, tls12(suite)), 200, suite);
  assert.equal(await status(port), 200, 'TLS 1.3');
});

test('cipher_suites, in Go names, are the TLS 1.2 suites offered; TLS 1.3 is unaffected (as in Go)', async () => {
  const port = await serve(`${RSA_TLS}  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_CBC_SHA]\n`);
  await assert.rejects(get(port, tls12('ECDHE-RSA-AES128-GCM-SHA256')));
  assert.equal(await status(port, tls12('ECDHE-RSA-AES256-GCM-SHA384')), 200);
  assert.equal(await status(port, tls12('AES128-SHA')), 200, 'an insecure suite the config asks for');
  await assert.rejects(get(port, tls12('AES256-SHA')));
  assert.equal(await status(port), 200, 'TLS 1.3');
});
