// A prom-client metric whose values come from elsewhere (BPF maps, /proc) at scrape time.
// prom-client's own Counter/Histogram only accumulate observations made in this process; these
// hand it values that the kernel has already aggregated.
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

interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** The shape prom-client's Registry reads: name, help, type, aggregator and get(). */
class ExternalMetric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator = 'sum';

  constructor(
    spec: MetricSpec,
    private readonly values: () => MetricValue[],
  ) {
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
  }

  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }

  reset(): void {}
}

function checkLabels(spec: MetricSpec, labels: Labels): void {
  for (const key of Object.keys(labels))
    if (!spec.labels.includes(key)) throw new Error(`metric ${spec.name} has no label ${key}`);
}

/** Registers a counter or gauge whose samples `read` returns at each scrape. */
export function registerSamples(registry: Registry, spec: MetricSpec, read: () => Sample[]): void {
  if (spec.type === 'histogram') throw new Error(`${spec.name} is a histogram: use registerHistogram`);
  registry.registerMetric(
    new ExternalMetric(spec, () =>
      read().map((s) => {
        checkLabels(spec, s.labels);
        return { value: s.value, labels: s.labels };
      }),
    ) as never,
  );
}

export function registerHistogram(registry: Registry, spec: MetricSpec, read: () => HistogramSample[]): void {
  if (spec.type !== 'histogram') throw new Error(`${spec.name} is not a histogram`);
  registry.registerMetric(
    new ExternalMetric(spec, () => {
      const out: MetricValue[] = [];
      for (const { labels, histogram } of read()) {
        checkLabels(spec, labels);
        for (const [le, count] of histogram.buckets)
          out.push({ metricName: `${spec.name}_bucket`, labels: { ...labels, le: le === Infinity ? '+Inf' : String(le) }, value: count });
        out.push({ metricName: `${spec.name}_sum`, labels, value: histogram.sum });
        out.push({ metricName: `${spec.name}_count`, labels, value: histogram.count });
      }
      return out;
    }) as never,
  );
}
