// Checks of single setting values, shared by the flag parser (text) and the config file (YAML
// values). Each returns the parsed value or throws InvalidValue whose message completes
// `<name>: <value> ...`, e.g. "must be an integer from 1 to 1000".
import { DURATION_EXAMPLE, formatDuration, parseDurationMs } from './durations.js';
import { parseListenAddress } from './listen-address.js';
import { RESERVED_PATHS } from './options.js';

export class InvalidValue extends Error {
  override name = 'InvalidValue';
}

interface Range {
  readonly min: number;
  readonly max: number;
}

export const integerPhrase = ({ min, max }: Range) => `an integer from ${min} to ${max}`;
export const RATIO_PHRASE = 'a number above 0 and at most 1';
export const oneOfPhrase = (choices: readonly unknown[]) => `one of ${choices.join(', ')}`;

export function integerIn(range: Range) {
  return (v: string | number): number => {
    const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max) throw new InvalidValue(`must be ${integerPhrase(range)}`);
    return n;
  };
}

/** 0 < r ≤ 1 */
export function ratio(v: string | number): number {
  const n = typeof v === 'number' ? v : /^\s*$/.test(v) ? NaN : Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidValue(`must be ${RATIO_PHRASE}`);
  return n;
}

/** A duration in ms within `range` (ms). */
export function durationIn(range: Range) {
  const phrase = `from ${formatDuration(range.min)} to ${formatDuration(range.max)}`;
  return (v: string): number => {
    let ms: number;
    try {
      ms = parseDurationMs(v);
    } catch {
      const hint = /^\d+\.\d+/.test(v) ? ' (whole numbers only: 1500ms, not 1.5s)' : '';
      throw new InvalidValue(`must be ${DURATION_EXAMPLE}${hint}`);
    }
    if (ms < range.min || ms > range.max) throw new InvalidValue(`must be a duration ${phrase}`);
    return ms;
  };
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new InvalidValue(`must be ${oneOfPhrase(choices)}`);
    return v as T;
  };
}

/** URL path characters that need no percent-encoding (RFC 3986 unreserved, and /). */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~/]*$/;
/** An empty, . or .. segment: clients normalise them away, so such a path could never be asked for. */
const UNREACHABLE_SEGMENT = /\/\/|\/\.\.?(\/|$)/;

export function telemetryPath(v: string): string {
  if (!PLAIN_PATH.test(v) || UNREACHABLE_SEGMENT.test(v))
    throw new InvalidValue('must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics');
  if ((RESERVED_PATHS as readonly string[]).includes(v)) throw new InvalidValue(`is used by the server itself (${RESERVED_PATHS.join(', ')})`);
  return v;
}

export function listenAddress(v: string): string {
  const r = parseListenAddress(v);
  if ('error' in r) throw new InvalidValue(r.error);
  return v;
}

export function nonEmpty(v: string): string {
  if (v === '') throw new InvalidValue('must not be empty');
  return v;
}
