// Loading the exporter-toolkit web config: what reaches Node's TLS and the server, and the
// one-line errors for files that are readable YAML but wrong.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { loadWebConfig } from '../../src/config/web-config.js';
import { ExitCode, FatalError } from '../../src/errors.js';
import { makePki, type Pki } from '../server/pki.js';

let pki: Pki;
before(() => {
  pki = makePki();
});

const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';
/** Writes `yaml` next to the certificates (so relative names resolve there) and loads it. */
function load(name: string, yaml: string) {
  writeFileSync(pki.file(name), yaml);
  return loadWebConfig(pki.file(name));
}
function fails(name: string, yaml: string, problem: string, fix: string) {
  assert.throws(
    () => load(name, yaml),
    (e: unknown) => e instanceof FatalError && e.code === ExitCode.WEB_CONFIG && e.line() === `fsnotify-exporter: web config ${pki.file(name)}: ${problem}; ${fix}`,
  );
}

test('no web config, or an empty one: plain HTTP, no auth, no headers', () => {
  for (const w of [loadWebConfig(undefined), loadWebConfig(fileURLToPath(new URL('../../../test/fixtures/web/empty.yml', import.meta.url)))]) {
    assert.equal(w.https, undefined);
    assert.equal(w.basicAuth, undefined);
    assert.deepEqual(w.headers, {});
    assert.equal(w.clientAuth, 'NoClientCert');
  }
});

test('TLS: files relative to the web config, TLS 1.2 to 1.3 by default, no client certificate', () => {
  const w = load('tls.yml', TLS);
  assert.ok(w.https);
  assert.deepEqual(w.https.cert, pki.read('server.crt'));
  assert.deepEqual(w.https.key, pki.read('server.key'));
  assert.equal(w.https.minVersion, 'TLSv1.2');
  assert.equal(w.https.maxVersion, 'TLSv1.3');
  assert.equal(w.https.requestCert, false);
  assert.equal(w.https.rejectUnauthorized, false);
  assert.equal(w.clientAuth, 'NoClientCert');
  assert.deepEqual(w.warnings, []);
});

test('client_auth_type → requestCert / rejectUnauthorized (the rest is enforced per connection)', () => {
  const expected = {
    RequestClientCert: [true, false],
    RequireAnyClientCert: [true, false],
    RequireClientCert: [true, false], // exporter-toolkit's old name for RequireAnyClientCert
    VerifyClientCertIfGiven: [true, false],
    RequireAndVerifyClientCert: [true, true],
  } as const;
  for (const [type, [requestCert, rejectUnauthorized]] of Object.entries(expected)) {
    const w = load(`auth-${type}.yml`, `${TLS}  client_ca_file: ca.crt\n  client_auth_type: ${type}\n`);
    assert.equal(w.https?.requestCert, requestCert, type);
    assert.equal(w.https?.rejectUnauthorized, rejectUnauthorized, type);
    assert.deepEqual(w.https?.ca, pki.read('ca.crt'));
    assert.equal(w.clientAuth, type === 'RequireClientCert' ? 'RequireAnyClientCert' : type);
  }
});

test('inline PEM, TLS versions, curves, cipher suites (Go names become OpenSSL names)', () => {
  const indent = (b: Buffer) => b.toString().trim().split('\n').join('\n    ');
  const w = load(
    'inline.yml',
    `tls_server_config:\n  cert: |\n    ${indent(pki.read('server.crt'))}\n  key: |\n    ${indent(pki.read('server.key'))}\n  min_version: TLS13\n  curve_preferences: [X25519, CurveP256]\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n  prefer_server_cipher_suites: false\n`,
  );
  assert.equal(w.https?.minVersion, 'TLSv1.3');
  assert.equal(w.https?.ecdhCurve, 'X25519:P-256');
  assert.equal(w.https?.honorCipherOrder, false);
  assert.equal(w.https?.ciphers, 'ECDHE-ECDSA-AES128-GCM-SHA256');
  assert.deepEqual(w.warnings, []);
});

test('basic auth users, headers (names as exporter-toolkit spells them), rate limit', () => {
  const hash = bcrypt.hashSync('pw', 4);
  const w = load(
    'users.yml',
    `${TLS}basic_auth_users:\n  prom: '${hash}'\n  grafana: '${hash}'\nhttp_server_config:\n  http2: true\n  headers:\n    x-frame-options: deny\n    Strict-Transport-Security: max-age=31536000\nrate_limit:\n  burst: 10\n  interval: 1s\n`,
  );
  assert.deepEqual(w.basicAuth?.userNames, ['prom', 'grafana']);
  assert.deepEqual(w.headers, { 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
  assert.deepEqual(w.rateLimit, { burst: 10, intervalMs: 1000 });
});

test('basic auth without TLS loads, with a warning', () => {
  const w = load('clear.yml', `basic_auth_users:\n  prom: '${bcrypt.hashSync('pw', 4)}'\n`);
  assert.equal(w.https, undefined);
  assert.deepEqual(w.warnings, ['basic_auth_users without tls_server_config: passwords cross the network in clear text']);
});

test('certificates and keys that do not load, and settings that contradict each other', () => {
  const f = (n: string) => pki.file(n);
  fails('mismatch.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n', `cert_file ${f('server.crt')} and key_file ${f('client.key')} do not go together: key values mismatch (ERR_OSSL_X509_KEY_VALUES_MISMATCH)`, 'give the private key that belongs to the certificate');
  fails('notcert.yml', 'tls_server_config:\n  cert_file: server.ext\n  key_file: server.key\n', `cert_file ${f('server.ext')} is not a PEM certificate: no start line (ERR_OSSL_PEM_NO_START_LINE)`, 'give the server certificate in PEM (-----BEGIN CERTIFICATE-----)');
  fails('nokey.yml', 'tls_server_config:\n  cert_file: server.crt\n', 'tls_server_config needs key_file (or key)', 'add the server private key');
  fails('missing-key.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: nope.key\n', `cannot read key_file ${f('nope.key')} (ENOENT)`, "check key_file (relative paths start at the web config's directory)");
  fails('both.yml', `${TLS}  cert: x\n`, 'tls_server_config has both cert_file and cert', 'keep one of them');
  fails('ca-no-auth.yml', `${TLS}  client_ca_file: ca.crt\n`, 'client_ca_file is set but client_auth_type is NoClientCert', 'set client_auth_type, e.g. RequireAndVerifyClientCert');
  fails('verify-no-ca.yml', `${TLS}  client_auth_type: RequireAndVerifyClientCert\n`, 'client_auth_type RequireAndVerifyClientCert needs client_ca_file', 'name the CA that signs client certificates in client_ca_file');
  fails('ca-not-pem.yml', `${TLS}  client_ca_file: server.ext\n  client_auth_type: RequireAndVerifyClientCert\n`, `client_ca_file ${f('server.ext')} holds no PEM certificate`, 'give the CA certificate(s) that sign client certificates, in PEM');
  fails('versions.yml', `${TLS}  min_version: TLS13\n  max_version: TLS12\n`, 'min_version TLS13 is above max_version TLS12', 'lower min_version or raise max_version');
  fails('bad-version.yml', `${TLS}  min_version: TLS14\n`, 'tls_server_config.min_version: "TLS14" must be one of TLS10, TLS11, TLS12, TLS13', 'see "Web configuration" in README.md');
  for (const [key, version] of [['min_version', 'TLS10'], ['min_version', 'TLS11'], ['max_version', 'TLS11']])
    fails(`old-${key}-${version}.yml`, `${TLS}  ${key}: ${version}\n`, `${key} ${version} is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996)`, 'use TLS12 (the default) or TLS13');
  fails('bad-suite.yml', `${TLS}  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE-RSA-AES128-SHA]\n`, 'tls_server_config.cipher_suites: unknown cipher suite "ECDHE-RSA-AES128-SHA"', "use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (as exporter-toolkit)");
  fails('sans.yml', `${TLS}  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n`, 'client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert', 'set client_auth_type');
  fails('colon.yml', `basic_auth_users:\n  'a:b': '${bcrypt.hashSync('x', 4)}'\n`, 'user name "a:b" contains ":", which basic auth cannot carry', 'rename the user');
  fails('plain-md5.yml', 'basic_auth_users:\n  bob: $apr1$abc$0123456789abcdef012345\n', 'the password of user "bob" is not a bcrypt hash', `generate one with: htpasswd -nBC 10 "" | tr -d ':\\n'`);
  fails('rate.yml', 'rate_limit:\n  interval: 1s\n', 'rate_limit.interval is set but rate_limit.burst is not', 'set rate_limit.burst, e.g. 10');
});

test('a hash that is not bcrypt is never echoed (it may be a password in clear)', () => {
  try {
    load('secret.yml', 'basic_auth_users:\n  alice: hunter2-secret\n');
    assert.fail('loaded');
  } catch (e) {
    assert.ok(e instanceof FatalError);
    assert.doesNotMatch(e.line(), /hunter2/);
  }
});

test('relative paths start at the web config file, not the working directory', () => {
  const w = load('rel.yml', 'tls_server_config:\n  cert_file: ./server.crt\n  key_file: ../' + join(pki.dir.split('/').at(-1) as string, 'server.key') + '\n');
  assert.deepEqual(w.https?.key, pki.read('server.key'));
});
