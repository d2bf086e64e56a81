// ajv and yaml, loaded on the first file to read: a daemon run without --config.file or
// --web.config.file (the common case) never needs them, and each compiled schema and module stays
// in the heap for good: ~2 MB of RSS between them (docs/benchmarks.md, footprint by module).
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
