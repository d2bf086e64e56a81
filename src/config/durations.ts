// Prometheus-style durations: "250ms", "10s", "1m30s", "1h".
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  let rest = text.trim();
  if (!rest) return undefined;
  let total = 0;
  while (rest) {
    const m = DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}
