// Prometheus-style durations, as in Prometheus' own flags and config: an integer and a unit, units
// from largest to smallest, each at most once: "250ms", "10s", "1m", "1h30m", "1d". No fractions,
// no signs, no spaces ("1.5s" is "1500ms").

const UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

const DURATION = new RegExp(`^${UNITS.map(([u]) => `(?:(\\d+)${u})?`).join('')}$`);

/** The pattern a duration string matches (for JSON schemas). */
export const DURATION_PATTERN = DURATION.source;

export const DURATION_EXAMPLE = 'a duration like 250ms, 10s, 1m or 1h30m';

export class InvalidDuration extends Error {
  constructor(readonly text: string) {
    super(`"${text}" is not ${DURATION_EXAMPLE}`);
    this.name = 'InvalidDuration';
  }
}

/** Milliseconds (an integer). "0" alone is 0, as in Prometheus. Throws InvalidDuration. */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0;
  const m = DURATION.exec(text);
  if (!m || text === '') throw new InvalidDuration(text);
  let ms = 0;
  UNITS.forEach(([, unitMs], i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * unitMs;
  });
  if (!Number.isSafeInteger(ms)) throw new InvalidDuration(text);
  return ms;
}

/** Nanoseconds, for BPF rodata (`*_ns`). Throws InvalidDuration. */
export function parseDurationNs(text: string): bigint {
  return msToNs(parseDurationMs(text));
}

export function msToNs(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

/** The shortest duration string for an integer number of milliseconds: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = ms;
  let out = '';
  for (const [unit, unitMs] of UNITS) {
    const n = Math.floor(rest / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * unitMs;
    }
  }
  return out;
}
