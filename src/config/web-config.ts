// --web.config.file (Prometheus exporter-toolkit format) → what the server needs: Node https
// options, the client-certificate rules TLS alone cannot enforce, a basic-auth checker, extra
// response headers and a rate limit. Everything is read and checked at load, so a bad file fails
// at startup (and under --check) with one line and exit 4, never at the first scrape.
import type { ServerOptions } from 'node:https';
import { dirname, resolve } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { ExitCode, FatalError } from '../errors.js';
import { BasicAuthChecker, isBcryptHash } from './basic-auth.js';
import { parseDurationMs } from './durations.js';
import { crypto, lazyValidator, tls } from './lazy.js';
import { describeSchemaError } from './schema-errors.js';
import {
  ALLOWED_HEADERS,
  type ClientAuthType,
  CURVES,
  TLS_VERSIONS,
  WEB_CONFIG_SCHEMA,
  type WebConfigFile,
} from './web-config-schema.js';
import { opensslCiphers } from './tls-cipher-suites.js';
import { readYamlFile } from './yaml-file.js';
import { FileRefused, MAX_BYTES, readUserFile } from '../user-file.js';

export type { ClientAuthType } from './web-config-schema.js';

export interface WebConfig {
  /** the web config file, when there is one */
  file?: string;
  /** fastify's `https` option; absent: plain HTTP */
  https?: ServerOptions;
  clientAuth: ClientAuthType;
  /** a client certificate must carry one of these SANs (DNS, IP, e-mail or URI) */
  clientAllowedSans?: string[];
  /** absent: no basic auth */
  basicAuth?: BasicAuthChecker;
  headers: Record<string, string>;
  /** token bucket: `burst` requests, refilled one per `intervalMs` */
  rateLimit?: { burst: number; intervalMs: number };
  /** settings read but not applied, and risky combinations: log them */
  warnings: string[];
}

/** No web config file: plain HTTP, no auth. */
export const PLAIN_HTTP: WebConfig = Object.freeze({ clientAuth: 'NoClientCert', headers: {}, warnings: [] }) as WebConfig;

const validator = lazyValidator<WebConfigFile>(WEB_CONFIG_SCHEMA);
const README = 'see "Web configuration" in README.md';

class Problems {
  constructor(readonly path: string) {}
  fail(problem: string, fix = README): FatalError {
    return new FatalError(ExitCode.WEB_CONFIG, `web config ${this.path}: ${problem}`, fix);
  }
}

/** The contents of a PEM file named in the web config, relative to the web config's directory. */
function readPem(p: Problems, base: string, key: string, file: string): { pem: Buffer; where: string } {
  const full = resolve(base, file);
  try {
    return { pem: readUserFile({ path: full, name: key, what: 'a PEM file', maxBytes: MAX_BYTES.pem }), where: `${key} ${full}` };
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    throw p.fail(`cannot read ${key} ${full} (${e.detail})`, e.fix === `check ${key}` ? `check ${key} (relative paths start at the web config's directory)` : e.fix);
  }
}

/** The file (key_file) or inline (key) form of one PEM setting. */
function pemSetting(p: Problems, base: string, t: Record<string, unknown>, name: 'cert' | 'key' | 'client_ca') {
  const file = t[`${name}_file`] as string | undefined;
  const inline = t[name] as string | undefined;
  if (file !== undefined && inline !== undefined) throw p.fail(`tls_server_config has both ${name}_file and ${name}`, `keep one of them`);
  if (file !== undefined) return readPem(p, base, `${name}_file`, file);
  if (inline !== undefined) return { pem: Buffer.from(inline), where: `tls_server_config.${name}` };
  return undefined;
}

function opensslReason(e: unknown): string {
  const err = e as { message?: string; code?: string };
  const reason = (err.message ?? String(e)).replace(/^error:[0-9A-F]+:[^:]*::?/, '');
  return err.code ? `${reason} (${err.code})` : reason;
}

function tlsOptions(p: Problems, base: string, t: NonNullable<WebConfigFile['tls_server_config']>, warnings: string[]) {
  const cert = pemSetting(p, base, t, 'cert');
  const key = pemSetting(p, base, t, 'key');
  const ca = pemSetting(p, base, t, 'client_ca');
  if (!cert) throw p.fail('tls_server_config needs cert_file (or cert)', 'add the server certificate');
  if (!key) throw p.fail('tls_server_config needs key_file (or key)', 'add the server private key');

  const { createPrivateKey, X509Certificate } = crypto();
  const { createSecureContext } = tls();
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert.pem);
  } catch (e) {
    throw p.fail(`${cert.where} is not a PEM certificate: ${opensslReason(e)}`, 'give the server certificate in PEM (-----BEGIN CERTIFICATE-----)');
  }
  try {
    createPrivateKey(key.pem);
  } catch (e) {
    throw p.fail(`${key.where} is not a PEM private key: ${opensslReason(e)}`, 'give the unencrypted PEM private key of the certificate');
  }
  try {
    createSecureContext({ cert: cert.pem, key: key.pem });
  } catch (e) {
    throw p.fail(`${cert.where} and ${key.where} do not go together: ${opensslReason(e)}`, 'give the private key that belongs to the certificate');
  }
  const validTo = new Date(x509.validTo);
  if (validTo.getTime() < Date.now()) warnings.push(`${cert.where} expired on ${validTo.toISOString()}`);
  if (ca) {
    if (!ca.pem.includes('-----BEGIN CERTIFICATE-----')) throw p.fail(`${ca.where} holds no PEM certificate`, 'give the CA certificate(s) that sign client certificates, in PEM');
    try {
      createSecureContext({ ca: ca.pem });
    } catch (e) {
      throw p.fail(`${ca.where} does not load: ${opensslReason(e)}`, 'give the CA certificate(s) that sign client certificates, in PEM');
    }
  }

  const clientAuth: ClientAuthType = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : (t.client_auth_type ?? 'NoClientCert');
  if (ca && clientAuth === 'NoClientCert')
    throw p.fail('client_ca_file is set but client_auth_type is NoClientCert', 'set client_auth_type, e.g. RequireAndVerifyClientCert');
  if (!ca && (clientAuth === 'RequireAndVerifyClientCert' || clientAuth === 'VerifyClientCertIfGiven'))
    throw p.fail(`client_auth_type ${clientAuth} needs client_ca_file`, 'name the CA that signs client certificates in client_ca_file');
  if (t.client_allowed_sans && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert')
    throw p.fail('client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert', 'set client_auth_type');

  for (const [key, version] of [['min_version', t.min_version], ['max_version', t.max_version]] as const)
    if (version === 'TLS10' || version === 'TLS11')
      throw p.fail(`${key} ${version} is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996)`, 'use TLS12 (the default) or TLS13');
  const minVersion = t.min_version ?? 'TLS12';
  const maxVersion = t.max_version ?? 'TLS13';
  if (Object.keys(TLS_VERSIONS).indexOf(minVersion) > Object.keys(TLS_VERSIONS).indexOf(maxVersion))
    throw p.fail(`min_version ${minVersion} is above max_version ${maxVersion}`, 'lower min_version or raise max_version');
  const suites = opensslCiphers(t.cipher_suites?.length ? t.cipher_suites : undefined);
  if ('unknown' in suites)
    throw p.fail(`tls_server_config.cipher_suites: unknown cipher suite ${JSON.stringify(suites.unknown)}`, "use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (as exporter-toolkit)");
  try {
    createSecureContext({ ciphers: suites.ciphers });
  } catch (e) {
    throw p.fail(`tls_server_config.cipher_suites: OpenSSL here supports none of ${t.cipher_suites?.join(', ')}: ${opensslReason(e)}`, 'choose suites from the default list in README.md');
  }

  const https: ServerOptions & SecureContextOptions = {
    cert: cert.pem,
    key: key.pem,
    minVersion: TLS_VERSIONS[minVersion],
    maxVersion: TLS_VERSIONS[maxVersion],
    // NoClientCert: no request. RequireAndVerifyClientCert fails in the handshake; the other
    // three accept the handshake and are enforced per connection (server/tls-client-auth.ts).
    requestCert: clientAuth !== 'NoClientCert',
    rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
    honorCipherOrder: t.prefer_server_cipher_suites ?? true,
    ciphers: suites.ciphers,
  };
  if (ca) https.ca = ca.pem;
  if (t.curve_preferences?.length) https.ecdhCurve = t.curve_preferences.map((c) => CURVES[c]).join(':');
  return { https, clientAuth, clientAllowedSans: t.client_allowed_sans };
}

function users(p: Problems, doc: WebConfigFile): BasicAuthChecker | undefined {
  const entries = Object.entries(doc.basic_auth_users ?? {});
  if (entries.length === 0) return undefined;
  for (const [user, hash] of entries) {
    if (user.includes(':')) throw p.fail(`user name ${JSON.stringify(user)} contains ":", which basic auth cannot carry`, 'rename the user');
    // never echo the value: it may be a password pasted in clear
    if (!isBcryptHash(hash)) throw p.fail(`the password of user "${user}" is not a bcrypt hash`, `generate one with: htpasswd -nBC 10 "" | tr -d ':\\n'`);
  }
  return new BasicAuthChecker(new Map(entries));
}

function headers(p: Problems, doc: WebConfigFile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(doc.http_server_config?.headers ?? {})) {
    const known = Object.keys(ALLOWED_HEADERS).find((h) => h.toLowerCase() === name.toLowerCase());
    if (!known)
      throw p.fail(`http_server_config.headers: ${name} cannot be set`, `use only ${Object.keys(ALLOWED_HEADERS).join(', ')} (as exporter-toolkit)`);
    const allowed = ALLOWED_HEADERS[known];
    if (allowed && !allowed.includes(value))
      throw p.fail(`http_server_config.headers: ${known} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`, `set ${known}: ${allowed[0]}`);
    out[known] = value;
  }
  return out;
}

/** Reads and checks --web.config.file; undefined → plain HTTP. Throws FatalError(WEB_CONFIG). */
export function loadWebConfig(path: string | undefined): WebConfig {
  if (path === undefined) return { ...PLAIN_HTTP, headers: {}, warnings: [] };
  const p = new Problems(path);
  const doc = readYamlFile(path, { what: 'web config file', flag: '--web.config.file', code: ExitCode.WEB_CONFIG, levels: 'three' });
  const validate = validator();
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    if (!e) throw p.fail('is invalid');
    const { problem, fix } = describeSchemaError(e);
    throw p.fail(problem, fix ?? (e.keyword === 'additionalProperties' ? "remove it or fix its spelling (the format is exporter-toolkit's web config)" : README));
  }
  const warnings: string[] = [];
  const config: WebConfig = { file: path, clientAuth: 'NoClientCert', headers: headers(p, doc), warnings };
  const basicAuth = users(p, doc);
  if (basicAuth) config.basicAuth = basicAuth;
  if (doc.tls_server_config && Object.keys(doc.tls_server_config).length > 0) {
    const tls = tlsOptions(p, dirname(resolve(path)), doc.tls_server_config, warnings);
    config.https = tls.https;
    config.clientAuth = tls.clientAuth;
    if (tls.clientAllowedSans) config.clientAllowedSans = tls.clientAllowedSans;
  } else if (basicAuth) {
    warnings.push('basic_auth_users without tls_server_config: passwords cross the network in clear text');
  }
  const rl = doc.rate_limit;
  if (rl?.interval !== undefined && rl.interval !== '0') {
    if (rl.burst === undefined) throw p.fail('rate_limit.interval is set but rate_limit.burst is not', 'set rate_limit.burst, e.g. 10');
    config.rateLimit = { burst: rl.burst, intervalMs: parseDurationMs(rl.interval) };
  }
  return config;
}
