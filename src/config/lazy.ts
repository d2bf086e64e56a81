// What only a config file needs, loaded on first use: a daemon run without --config.file or
// --web.config.file (the common case) never needs ajv, yaml, or the TLS stack for a TLS or
// basic-auth web config, and each module stays in the heap for good: ~2 MB of RSS for ajv and yaml
// (docs/benchmarks.md, footprint by module), ~1 MB for node:tls and node:crypto, and node:worker_threads for basic auth alone.
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** The yaml module. */
export const yaml = (): typeof import('yaml') => require('yaml') as typeof import('yaml');

/** schema compiled by ajv on the first call. */
export function lazyValidator<T>(schema: object): () => ValidateFunction<T> {
  let validate: ValidateFunction<T> | undefined;
  return () => (validate ??= new (require('ajv') as typeof import('ajv')).Ajv({ strict: true, verbose: true, allErrors: false }).compile<T>(schema));
}

/** node:tls, for a web config's tls_server_config. */
export const tls = (): typeof import('node:tls') => require('node:tls') as typeof import('node:tls');

/** node:crypto, for a web config's certificates and users. */
export const crypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');

/** node:worker_threads, for basic auth's bcrypt thread. */
export const workerThreads = (): typeof import('node:worker_threads') => require('node:worker_threads') as typeof import('node:worker_threads');
