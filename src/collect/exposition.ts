// Metrics whose values come from elsewhere (BPF maps, /proc) at scrape time, written straight to
// the Prometheus text format. prom-client's Counter/Histogram only accumulate observations made in
// this process, and its generic formatter (label objects, escaping, merging per series) cost ~5 ms
// per scrape at 1,300 series here; these series are rendered directly (see docs/benchmarks.md).
// prom-client still owns the process metrics and the counters the daemon increments itself.
//
// The text goes into one Buffer per scrape, a line at a time: a string built with += is a rope whose
// every node stays alive until the end, so a 700 KB exposition (10,000 series) survived several
// young-generation GCs per scrape and GC took 60% of the scrape. Lines written out die young.
import type { Registry } from 'prom-client';
import type { MetricSpec } from './catalog.js';
import type { HistogramValue } from './log2-histogram.js';

export type Labels = Record<string, string>;

export interface Sample {
  /** a LabelSet where the same labels recur every scrape (formatted once) */
  labels: Labels | LabelSet;
  value: number;
  /** written before `labels` */
  shared?: LabelSet;
}

export interface HistogramSample {
  labels: Labels;
  histogram: HistogramValue;
}

/** Something the /metrics route can serve. prom-client's Registry is one too. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string | Buffer>;
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => (/[\\"\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : s);
const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

/** `a="x",b="y"`: the inside of the braces. */
function formatPairs(labels: Labels): string {
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}="${escapeLabel(labels[k] as string)}"`;
  return out;
}

/** Labels many samples share (a directory's device, inode and path), formatted once. */
export class LabelSet {
  readonly text: string;

  constructor(readonly labels: Readonly<Labels>) {
    this.text = formatPairs(labels);
  }
}

/** `{a="x"}` from formatted pairs; nothing when there are none. */
const braces = (pairs: string): string => (pairs ? `{${pairs}}` : '');

function checkLabels(spec: MetricSpec, labels: Readonly<Labels>): void {
  for (const key in labels) if (!spec.labels.includes(key)) throw new Error(`metric ${spec.name} has no label ${key}`);
}

/** One sample line, piece by piece: a line built as one string first is ~400 bytes of garbage. */
function writeSample(out: { write(s: string): void }, spec: MetricSpec, s: Sample): void {
  const own = s.labels instanceof LabelSet ? s.labels : undefined;
  checkLabels(spec, own ? own.labels : (s.labels as Labels));
  if (s.shared) checkLabels(spec, s.shared.labels);
  const ownText = own ? own.text : formatPairs(s.labels as Labels);
  out.write(spec.name);
  if (s.shared) {
    out.write('{');
    out.write(s.shared.text);
    if (ownText) {
      out.write(',');
      out.write(ownText);
    }
    out.write('} ');
  } else out.write(`${braces(ownText)} `);
  out.write(formatValue(s.value));
  out.write('\n');
}

/** The sample lines of `spec` as one string, for a caller that keeps them while their values hold. */
export function sampleLines(spec: MetricSpec, samples: readonly Sample[]): string {
  let text = '';
  const out = { write: (s: string) => void (text += s) };
  for (const s of samples) writeSample(out, spec, s);
  return text;
}

/**
 * UTF-8 text in a Buffer that grows by doubling. Small pieces gather in a string of up to
 * PENDING_CHARS first: one copy into the Buffer per few dozen lines, not per piece (a Buffer write
 * is a call into C++), and the string is short-lived, unlike a rope of the whole text. Whole lines
 * (kept directory lines, say) go straight in: gathering them would only copy them once more.
 */
const PENDING_CHARS = 8192;
const DIRECT_CHARS = 64;

export class TextSink {
  private buf: Buffer;
  private length = 0;
  private pending = '';

  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, sizeHint));
  }

  write(s: string): void {
    if (s.length >= DIRECT_CHARS) {
      this.flush();
      this.copyIn(s);
      return;
    }
    this.pending += s;
    if (this.pending.length >= PENDING_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending === '') return;
    const s = this.pending;
    this.pending = '';
    this.copyIn(s);
  }

  private copyIn(s: string): void {
    // s.length UTF-16 units take at most 3 bytes each in UTF-8
    if (this.length + s.length * 3 > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + s.length * 3));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    this.length += this.buf.write(s, this.length);
  }

  get size(): number {
    return this.length + Buffer.byteLength(this.pending);
  }

  /** The text written; the sink must not be written to afterwards. */
  contents(): Buffer {
    this.flush();
    return this.buf.subarray(0, this.length);
  }
}

type Render = (out: TextSink) => void;

/** prom-client's registry plus the externally valued metrics, served as one text. */
export class Exposition implements MetricsSource {
  private readonly renders: Render[] = [];
  private readonly names = new Set<string>();
  /** the last exposition's size: the next one's buffer starts there, so it rarely grows */
  private lastSize = 0;

  constructor(readonly prom: Registry) {}

  get contentType(): string {
    return this.prom.contentType;
  }

  private add(spec: MetricSpec, body: (out: TextSink) => void): void {
    if (this.names.has(spec.name) || this.prom.getSingleMetric(spec.name)) throw new Error(`metric ${spec.name} registered twice`);
    this.names.add(spec.name);
    const header = `# HELP ${spec.name} ${escapeHelp(spec.help)}\n# TYPE ${spec.name} ${spec.type}\n`;
    this.renders.push((out) => {
      out.write(header);
      body(out);
    });
  }

  /** A counter or gauge whose samples `read` returns at each scrape. */
  samples(spec: MetricSpec, read: () => Sample[]): void {
    if (spec.type === 'histogram') throw new Error(`${spec.name} is a histogram: use histogram()`);
    this.add(spec, (out) => {
      for (const s of read()) writeSample(out, spec, s);
    });
  }

  /** A counter or gauge whose lines the caller renders with sampleLines() (and may keep). */
  lines(spec: MetricSpec, read: () => Iterable<string>): void {
    if (spec.type === 'histogram') throw new Error(`${spec.name} is a histogram: use histogram()`);
    this.add(spec, (out) => {
      for (const text of read()) out.write(text);
    });
  }

  histogram(spec: MetricSpec, read: () => HistogramSample[]): void {
    if (spec.type !== 'histogram') throw new Error(`${spec.name} is not a histogram`);
    // A histogram's label sets and bucket bounds are fixed, so each bucket line's text up to the
    // count is built once and kept (per scrape it was ~45 KB of garbage at 1,300 series).
    const prefixes = new Map<string, string[]>();
    const prefix = (pairs: string, i: number, le: number): string => {
      let row = prefixes.get(pairs);
      if (!row) prefixes.set(pairs, (row = []));
      return (row[i] ??= `${spec.name}_bucket{${pairs ? `${pairs},` : ''}le="${le === Infinity ? '+Inf' : String(le)}"} `);
    };
    this.add(spec, (out) => {
      for (const { labels, histogram } of read()) {
        checkLabels(spec, labels);
        const pairs = formatPairs(labels);
        histogram.buckets.forEach(([le, count], i) => {
          out.write(prefix(pairs, i, le));
          out.write(formatValue(count));
          out.write('\n');
        });
        const l = braces(pairs);
        out.write(`${spec.name}_sum${l} ${formatValue(histogram.sum)}\n${spec.name}_count${l} ${formatValue(histogram.count)}\n`);
      }
    });
  }

  async metrics(): Promise<Buffer> {
    const prom = await this.prom.metrics();
    const out = new TextSink(this.lastSize + 4096);
    // prom-client's text, a blank line, then each section (ending in a newline) a blank line apart
    out.write(prom.trimEnd());
    out.write(this.renders.length > 0 ? '\n\n' : '\n');
    this.renders.forEach((render, i) => {
      if (i > 0) out.write('\n');
      render(out);
    });
    this.lastSize = out.size;
    return out.contents();
  }
}

export function registerSamples(exposition: Exposition, spec: MetricSpec, read: () => Sample[]): void {
  exposition.samples(spec, read);
}

export function registerHistogram(exposition: Exposition, spec: MetricSpec, read: () => HistogramSample[]): void {
  exposition.histogram(spec, read);
}
