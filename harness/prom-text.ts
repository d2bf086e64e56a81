// A small reader for the Prometheus text format, for assertions on /metrics.
export type Samples = Map<string, number>;

export function parseProm(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Series in an exposition (its non-comment lines), or only those whose name starts with `prefix`. */
export function seriesCount(text: string, prefix = ''): number {
  return text.split('\n').filter((l) => l && !l.startsWith('#') && l.startsWith(prefix)).length;
}

/** Sum of every series of `name` whose labels contain all of `labels`. */
export function sum(s: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of s) {
    const brace = series.indexOf('{');
    const n = brace < 0 ? series : series.slice(0, brace);
    if (n !== name) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

export function delta(after: Samples, before: Samples, name: string, labels: Record<string, string> = {}): number {
  return sum(after, name, labels) - sum(before, name, labels);
}
