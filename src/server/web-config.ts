// --web.config.file in the Prometheus exporter-toolkit format: TLS (with optional client
// certificates), basic auth with bcrypt hashes, extra response headers.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describeSchemaError } from '../config/config-file.js';
import { ExitCode, FatalError } from '../errors.js';

const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
// exporter-toolkit refuses to let these be overridden
const RESERVED_HEADERS = ['authorization', 'www-authenticate', 'content-type', 'content-length', 'content-encoding', 'server'];

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tls_server_config: {
      type: 'object',
      additionalProperties: false,
      required: ['cert_file', 'key_file'],
      properties: {
        cert_file: { type: 'string', minLength: 1 },
        key_file: { type: 'string', minLength: 1 },
        client_ca_file: { type: 'string', minLength: 1 },
        client_auth_type: { enum: [...CLIENT_AUTH] },
        min_version: { enum: Object.keys(TLS_VERSIONS) },
        max_version: { enum: Object.keys(TLS_VERSIONS) },
        cipher_suites: { type: 'array', items: { type: 'string' } },
        prefer_server_cipher_suites: { type: 'boolean' },
        curve_preferences: { type: 'array', items: { type: 'string' } },
      },
    },
    http_server_config: {
      type: 'object',
      additionalProperties: false,
      properties: { http2: { type: 'boolean' }, headers: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    basic_auth_users: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

interface WebConfigFile {
  tls_server_config?: {
    cert_file: string;
    key_file: string;
    client_ca_file?: string;
    client_auth_type?: (typeof CLIENT_AUTH)[number];
    min_version?: keyof typeof TLS_VERSIONS;
    max_version?: keyof typeof TLS_VERSIONS;
  };
  http_server_config?: { headers?: Record<string, string> };
  basic_auth_users?: Record<string, string>;
}

export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

export interface WebConfig {
  https?: HttpsOptions;
  /** username → bcrypt hash */
  users: Map<string, string>;
  /** client-certificate rule checked per request where TLS alone cannot (RequireAny…, VerifyIfGiven) */
  clientCert: 'none' | 'require_any' | 'verify_if_given' | 'tls';
  headers: Record<string, string>;
}

const validate = new Ajv({ strict: true }).compile<WebConfigFile>(SCHEMA);
const BCRYPT = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/;

const fail = (path: string, problem: string, fix = 'see the web configuration section of README.md') =>
  new FatalError(ExitCode.WEB_CONFIG, `web config ${path}: ${problem}`, fix);

function readPem(base: string, file: string, what: string, configPath: string): Buffer {
  const full = resolve(base, file);
  try {
    return readFileSync(full);
  } catch (e) {
    throw fail(configPath, `cannot read ${what} ${full} (${(e as NodeJS.ErrnoException).code})`, `check ${what} in the web config`);
  }
}

export function readWebConfig(path: string): WebConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new FatalError(ExitCode.WEB_CONFIG, `cannot read web config file ${path} (${code})`, 'check --web.config.file');
    throw fail(path, `not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  if (!validate(doc)) throw fail(path, describeSchemaError(validate.errors![0]!));
  const base = dirname(resolve(path));
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(doc.basic_auth_users ?? {})) {
    if (!BCRYPT.test(hash)) throw fail(path, `the password of user "${user}" is not a bcrypt hash`, 'generate one with htpasswd -nBC 10 "" | tr -d \':\\n\'');
    users.set(user, hash);
  }
  const headers = doc.http_server_config?.headers ?? {};
  for (const name of Object.keys(headers))
    if (RESERVED_HEADERS.includes(name.toLowerCase())) throw fail(path, `header ${name} cannot be set`, 'remove it from http_server_config.headers');
  const t = doc.tls_server_config;
  if (!t) return { users, headers, clientCert: 'none' };
  const auth = t.client_auth_type ?? 'NoClientCert';
  const verifies = auth === 'RequireAndVerifyClientCert' || auth === 'VerifyClientCertIfGiven';
  if (verifies && !t.client_ca_file) throw fail(path, `client_auth_type ${auth} needs client_ca_file`);
  const https: HttpsOptions = {
    cert: readPem(base, t.cert_file, 'cert_file', path),
    key: readPem(base, t.key_file, 'key_file', path),
    requestCert: auth !== 'NoClientCert',
    // only RequireAndVerifyClientCert is enforced in the handshake; the others per request
    rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
    minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12'],
  };
  if (t.client_ca_file) https.ca = readPem(base, t.client_ca_file, 'client_ca_file', path);
  if (t.max_version) https.maxVersion = TLS_VERSIONS[t.max_version];
  const clientCert =
    auth === 'RequireAnyClientCert' ? 'require_any' : auth === 'VerifyClientCertIfGiven' ? 'verify_if_given' : auth === 'RequireAndVerifyClientCert' ? 'tls' : 'none';
  return { https, users, headers, clientCert };
}
