// One phrase per schema violation, naming the key: "children_scan.cap: 0 must be an integer from 1
// to 8388608", "unknown key children_scan.kap (did you mean children_scan.cap?)". Used for the
// config file and the web config file; ajv must run with `verbose: true` (for parentSchema/data).
import type { ErrorObject } from 'ajv';
import { DURATION_EXAMPLE, DURATION_PATTERN } from './durations.js';
import { integerPhrase, oneOfPhrase, RATIO_PHRASE } from './values.js';

type Schema = Record<string, unknown>;

/** "children_scan.cap" from "/children_scan/cap". */
export function keyOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

/** A value as it appears in a message: strings quoted, containers by kind, never a newline. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

/** What a value of this schema must be, as a noun phrase. */
export function expectation(s: Schema): string {
  if (Array.isArray(s['enum'])) return oneOfPhrase(s['enum']);
  switch (s['type']) {
    case 'integer':
      if (typeof s['minimum'] === 'number' && typeof s['maximum'] === 'number') return integerPhrase({ min: s['minimum'], max: s['maximum'] });
      return 'an integer';
    case 'number':
      return s['exclusiveMinimum'] === 0 && s['maximum'] === 1 ? RATIO_PHRASE : 'a number';
    case 'string':
      if (s['pattern'] === DURATION_PATTERN) return `${DURATION_EXAMPLE} (a string)`;
      return s['minLength'] ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping of keys to values';
    case 'array':
      return 'a list';
    default:
      return 'valid';
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] as number;
}

/** The known key closest to `key`, if it is close enough to be a typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll('-', '_');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = norm(k) === norm(key) ? 0 : editDistance(norm(key), norm(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

/** The problem, and a fix when the error suggests a specific one. */
export interface SchemaProblem {
  problem: string;
  fix?: string;
}

function unknownKey(e: ErrorObject): SchemaProblem {
  const parent = keyOf(e.instancePath);
  const extra = String((e.params as { additionalProperty: string }).additionalProperty);
  const full = parent ? `${parent}.${extra}` : extra;
  const props = ((e.parentSchema as Schema | undefined)?.['properties'] ?? {}) as Record<string, Schema>;
  // "children_scan.cap: 5" at the top level: the nested form was meant
  const [section, sub] = extra.split('.', 2) as [string, string | undefined];
  if (sub !== undefined && props[section]?.['type'] === 'object') {
    const nested = sub.replaceAll('-', '_');
    return { problem: `unknown key ${full}`, fix: `nest it: "${section}: {${nested}: ...}", or "${section}:" and "  ${nested}: ..." on the next line` };
  }
  const guess = closest(extra, Object.keys(props));
  return { problem: `unknown key ${full}${guess ? ` (did you mean ${parent ? `${parent}.${guess}` : guess}?)` : ''}` };
}

export function describeSchemaError(e: ErrorObject): SchemaProblem {
  if (e.keyword === 'additionalProperties') return unknownKey(e);
  const key = keyOf(e.instancePath);
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty: string }).missingProperty);
    return { problem: `${key ? `${key}.` : ''}${missing} is missing` };
  }
  const wanted = expectation((e.parentSchema ?? {}) as Schema);
  if (!key) return { problem: `the file must be ${wanted}, not ${showValue(e.data)}` };
  return { problem: `${key}: ${showValue(e.data)} must be ${wanted}` };
}
