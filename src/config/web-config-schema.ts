// The web config file (--web.config.file) in the Prometheus exporter-toolkit format, key for key:
// https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
import { DURATION_PATTERN } from './durations.js';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];
/** exporter-toolkit still takes this old name for RequireAnyClientCert */
const LEGACY_CLIENT_AUTH = 'RequireClientCert';

export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
export type TlsVersionName = keyof typeof TLS_VERSIONS;

/** Go's curve names → OpenSSL's */
export const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/**
 * Response headers exporter-toolkit lets a web config set, with the values it allows (null: any).
 * Any other header is rejected, as there.
 */
export const ALLOWED_HEADERS: Record<string, readonly string[] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

const text = { type: 'string', minLength: 1 } as const;
const texts = { type: 'array', items: { type: 'string' } } as const;

export const WEB_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tls_server_config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cert_file: text,
        key_file: text,
        cert: text,
        key: text,
        client_ca_file: text,
        client_ca: text,
        client_auth_type: { type: 'string', enum: [...CLIENT_AUTH_TYPES, LEGACY_CLIENT_AUTH] },
        client_allowed_sans: texts,
        min_version: { type: 'string', enum: Object.keys(TLS_VERSIONS) },
        max_version: { type: 'string', enum: Object.keys(TLS_VERSIONS) },
        cipher_suites: texts,
        prefer_server_cipher_suites: { type: 'boolean' },
        curve_preferences: { type: 'array', items: { type: 'string', enum: Object.keys(CURVES) } },
      },
    },
    http_server_config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        http2: { type: 'boolean' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        burst: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        interval: { type: 'string', pattern: DURATION_PATTERN },
      },
    },
    basic_auth_users: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export interface WebConfigFile {
  tls_server_config?: {
    cert_file?: string;
    key_file?: string;
    cert?: string;
    key?: string;
    client_ca_file?: string;
    client_ca?: string;
    client_auth_type?: ClientAuthType | typeof LEGACY_CLIENT_AUTH;
    client_allowed_sans?: string[];
    min_version?: TlsVersionName;
    max_version?: TlsVersionName;
    cipher_suites?: string[];
    prefer_server_cipher_suites?: boolean;
    curve_preferences?: (keyof typeof CURVES)[];
  };
  http_server_config?: { http2?: boolean; headers?: Record<string, string> };
  rate_limit?: { burst?: number; interval?: string };
  basic_auth_users?: Record<string, string>;
}
