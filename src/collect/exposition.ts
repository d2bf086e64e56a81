// Metrics whose values come from elsewhere (BPF maps, /proc) at scrape time, written straight to
// the Prometheus text format. prom-client's Counter/Histogram only accumulate observations made in
// this process, and its generic formatter (label objects, escaping, merging per series) cost ~5 ms
// per scrape at 1,300 series here; these series are rendered directly (see docs/benchmarks.md).
// prom-client still owns the process metrics and the counters the daemon increments itself.
import type { Registry } from 'prom-client';
import type { MetricSpec } from './catalog.js';
import type { HistogramValue } from './log2-histogram.js';

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  histogram: HistogramValue;
}

/** Something the /metrics route can serve. prom-client's Registry is one too. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => (/[\\"\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : s);
const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function formatLabels(labels: Labels, extra?: string): string {
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}="${escapeLabel(labels[k] as string)}"`;
  if (extra) out += `${out ? ',' : ''}${extra}`;
  return out ? `{${out}}` : '';
}

function checkLabels(spec: MetricSpec, labels: Labels): void {
  for (const key in labels) if (!spec.labels.includes(key)) throw new Error(`metric ${spec.name} has no label ${key}`);
}

type Render = () => string;

/** prom-client's registry plus the externally valued metrics, served as one text. */
export class Exposition implements MetricsSource {
  private readonly renders: Render[] = [];
  private readonly names = new Set<string>();

  constructor(readonly prom: Registry) {}

  get contentType(): string {
    return this.prom.contentType;
  }

  private add(spec: MetricSpec, body: () => string): void {
    if (this.names.has(spec.name) || this.prom.getSingleMetric(spec.name)) throw new Error(`metric ${spec.name} registered twice`);
    this.names.add(spec.name);
    const header = `# HELP ${spec.name} ${escapeHelp(spec.help)}\n# TYPE ${spec.name} ${spec.type}\n`;
    this.renders.push(() => header + body());
  }

  /** A counter or gauge whose samples `read` returns at each scrape. */
  samples(spec: MetricSpec, read: () => Sample[]): void {
    if (spec.type === 'histogram') throw new Error(`${spec.name} is a histogram: use histogram()`);
    this.add(spec, () => {
      let out = '';
      for (const s of read()) {
        checkLabels(spec, s.labels);
        out += `${spec.name}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
      }
      return out;
    });
  }

  histogram(spec: MetricSpec, read: () => HistogramSample[]): void {
    if (spec.type !== 'histogram') throw new Error(`${spec.name} is not a histogram`);
    this.add(spec, () => {
      let out = '';
      for (const { labels, histogram } of read()) {
        checkLabels(spec, labels);
        for (const [le, count] of histogram.buckets)
          out += `${spec.name}_bucket${formatLabels(labels, `le="${le === Infinity ? '+Inf' : String(le)}"`)} ${formatValue(count)}\n`;
        const l = formatLabels(labels);
        out += `${spec.name}_sum${l} ${formatValue(histogram.sum)}\n${spec.name}_count${l} ${formatValue(histogram.count)}\n`;
      }
      return out;
    });
  }

  async metrics(): Promise<string> {
    const own = this.renders.map((r) => r()).join('\n');
    const prom = await this.prom.metrics();
    return own ? `${prom.trimEnd()}\n\n${own}` : prom;
  }
}

export function registerSamples(exposition: Exposition, spec: MetricSpec, read: () => Sample[]): void {
  exposition.samples(spec, read);
}

export function registerHistogram(exposition: Exposition, spec: MetricSpec, read: () => HistogramSample[]): void {
  exposition.histogram(spec, read);
}
