// Reads and validates the YAML config file; every problem is one line naming the key.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse, YAMLParseError } from 'yaml';
import { ExitCode, FatalError } from '../errors.js';
import { CONFIG_SCHEMA, type ConfigFile } from './schema.js';

const ajv = new Ajv({ allErrors: false, strict: true });
const validate = ajv.compile<ConfigFile>(CONFIG_SCHEMA);

export function describeSchemaError(e: ErrorObject): string {
  const key = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    return `unknown key ${key === '(top level)' ? extra : `${key}.${extra}`}`;
  }
  if (e.keyword === 'enum') return `${key} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'pattern' && String((e.params as { pattern: string }).pattern).includes('ms|s|m|h')) return `${key} must be a duration like 250ms, 10s or 1m`;
  return `${key} ${e.message}`;
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new FatalError(ExitCode.CONFIG, `cannot read config file ${path} (${code})`, 'check --config.file');
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    const what = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new FatalError(ExitCode.CONFIG, `config file ${path} is not valid YAML${where}: ${what}`, 'fix the YAML syntax');
  }
  doc ??= {};
  if (!validate(doc)) {
    const first = validate.errors?.[0];
    throw new FatalError(ExitCode.CONFIG, `config file ${path}: ${first ? describeSchemaError(first) : 'invalid'}`, 'see the configuration section of README.md');
  }
  return doc;
}
