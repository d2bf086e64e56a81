// The /metrics text: every collector's families written straight into one Buffer, a line at a
// time. prom-client's formatter and a string built with += were most of a scrape's time and
// garbage (docs/benchmark-findings.md); lines written out die young.
import type { Logger } from 'pino';
import { METRICS, type MetricSpec } from './catalog.js';
import type { HistogramValue } from './log2-histogram.js';

/** The text format's content type (version 0.0.4), as Prometheus asks for it. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

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

/** Something the /metrics route can serve. prom-client's Registry is one too (the server tests serve one). */
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
function writeSample(out: TextSink, spec: MetricSpec, s: Sample): void {
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
    out.write('}');
  } else if (ownText) {
    out.write('{');
    out.write(ownText);
    out.write('}');
  }
  out.byte(0x20); // ' '
  out.value(s.value);
  out.byte(0x0a); // '\n'
}

/** `name{shared,own} `: a sample line up to its value, for a caller that keeps it and writes values with TextSink.uint() or nanosAsSeconds(). */
export function linePrefix(spec: MetricSpec, shared: LabelSet, own: LabelSet): string {
  checkLabels(spec, shared.labels);
  checkLabels(spec, own.labels);
  const pairs = shared.text && own.text ? `${shared.text},${own.text}` : shared.text || own.text;
  return `${spec.name}${braces(pairs)} `;
}

/**
 * UTF-8 text in a Buffer that grows by doubling. A short ASCII piece (a metric name, a label
 * set, a value) is copied in char by char: no string is made for it, where gathering pieces in a
 * string first made a cons string per piece and a flat copy per flush (docs/benchmark-findings.md).
 * Longer or non-ASCII pieces go through the UTF-8 encoder.
 */
const ASCII_COPY_CHARS = 64;

export class TextSink {
  private buf: Buffer;
  private length = 0;

  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, sizeHint));
  }

  write(s: string): void {
    const n = s.length;
    this.room(n * 3); // s.length UTF-16 units take at most 3 bytes each in UTF-8
    if (n < ASCII_COPY_CHARS) {
      const buf = this.buf;
      let at = this.length;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at++] = c;
      }
      if (i === n) {
        this.length = at;
        return;
      }
    }
    this.length += this.buf.write(s, this.length);
  }

  /** A point to truncate() back to. */
  mark(): number {
    return this.length;
  }

  /**
   * Bytes as they are (a kept line prefix). With uint() and nanosAsSeconds() a line is written
   * with no string made: a scrape with every directory changed made ~5 MB of strings at 10,000
   * series, and V8 spent more time collecting them than rendering (docs/benchmark-findings.md).
   */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** One byte: an ASCII character's code. */
  byte(c: number): void {
    this.room(1);
    this.buf[this.length++] = c;
  }

  /** A counter as decimal digits, as String(v) writes it; past 2^53 (or fractional) through String(). */
  uint(v: number): void {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v))) return this.write(formatValue(v));
    this.room(16);
    this.length = writeDigits(this.buf, this.length, v, 0);
  }

  /** A sample value as String(v) writes it; an integer as digits, with no string made. */
  value(v: number): void {
    if (v < 0 && v >= -Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
      this.byte(0x2d); // '-'
      v = -v;
    }
    this.uint(v);
  }

  /**
   * A u64 of nanoseconds as seconds: the exact decimal of ns / 1e9, which parses to the same
   * double as String(ns / 1e9) (both are the double nearest the quotient), without the string.
   */
  nanosAsSeconds(ns: number): void {
    if (!(ns >= 0 && ns <= Number.MAX_SAFE_INTEGER && Number.isInteger(ns))) return this.write(formatValue(ns / 1e9));
    this.room(27);
    const whole = Math.floor(ns / 1e9);
    let frac = ns - whole * 1e9;
    this.length = writeDigits(this.buf, this.length, whole, 0);
    if (frac === 0) return;
    let digits = 9;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    this.buf[this.length++] = 0x2e; // '.'
    this.length = writeDigits(this.buf, this.length, frac, digits);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  truncate(mark: number): void {
    this.length = Math.min(this.length, mark);
  }

  get size(): number {
    return this.length;
  }

  /** The text written; the sink must not be written to afterwards. */
  contents(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** v (an integer, 0 ≤ v < 2^53) in decimal at buf[at], left-padded with zeros to `width` digits; returns the end. */
function writeDigits(buf: Buffer, at: number, v: number, width: number): number {
  let digits = 1;
  for (let p = 10; p <= v; p *= 10) digits++; // exact powers of ten up to 1e16 > 2^53
  if (digits < width) digits = width;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const q = Math.floor(v / 10);
    buf[i] = 0x30 + (v - q * 10);
    v = q;
  }
  return end;
}

type Render = (out: TextSink) => void | Promise<void>;

/** Declares one collector's metrics; each read callback runs at every scrape. */
export interface CollectorMetrics {
  /** A counter or gauge whose samples `read` returns. */
  samples(spec: MetricSpec, read: () => Sample[]): void;
  histogram(spec: MetricSpec, read: () => HistogramSample[]): void;
  /** A counter or gauge whose sample lines `body` writes into the exposition itself. */
  write(spec: MetricSpec, body: (out: TextSink) => void): void;
}

interface Group {
  name: string;
  labels: LabelSet;
  renders: Render[];
  /** failing since the last success: a failure is logged once per burst */
  failing: boolean;
}

/** Every registered collector's families as one text, plus each collector's success and duration. */
export class Exposition implements MetricsSource {
  readonly contentType = PROMETHEUS_TEXT_CONTENT_TYPE;
  private readonly groups: Group[] = [];
  private readonly names = new Set<string>();
  /** the last exposition's size: the next one's buffer starts there, so it rarely grows */
  private lastSize = 0;

  constructor(private readonly logger?: Logger) {}

  /** Adds collector `name`; `setup` declares its metrics and may return a stop function. */
  register(name: string, setup: (m: CollectorMetrics) => void | (() => void)): () => void {
    if (this.groups.some((g) => g.name === name)) throw new Error(`collector ${name} registered twice`);
    const group: Group = { name, labels: new LabelSet({ collector: name }), renders: [], failing: false };
    const stop = setup(this.metricsOf(group));
    this.groups.push(group);
    return stop ?? (() => undefined);
  }

  private metricsOf(group: Group): CollectorMetrics {
    const family = (spec: MetricSpec, body: (out: TextSink) => void) => {
      if (this.names.has(spec.name)) throw new Error(`metric ${spec.name} registered twice`);
      this.names.add(spec.name);
      const header = familyHeader(spec);
      group.renders.push((out) => {
        out.write(header);
        body(out);
      });
    };
    const notHistogram = (spec: MetricSpec) => {
      if (spec.type === 'histogram') throw new Error(`${spec.name} is a histogram: use histogram()`);
    };
    return {
      samples(spec, read) {
        notHistogram(spec);
        family(spec, (out) => {
          for (const s of read()) writeSample(out, spec, s);
        });
      },
      write(spec, body) {
        notHistogram(spec);
        family(spec, body);
      },
      histogram(spec, read) {
        if (spec.type !== 'histogram') throw new Error(`${spec.name} is not a histogram`);
        family(spec, histogramBody(spec, read));
      },
    };
  }

  async metrics(): Promise<Buffer> {
    const out = new TextSink(this.lastSize + 4096);
    const seconds: number[] = [];
    const ok: boolean[] = [];
    for (const g of this.groups) {
      const mark = out.mark();
      const t0 = process.hrtime.bigint();
      try {
        for (const render of g.renders) {
          const pending = render(out);
          if (pending) await pending;
        }
        ok.push(true);
        if (g.failing) this.logger?.info({ collector: g.name }, `collector ${g.name} recovered`);
        g.failing = false;
      } catch (e) {
        out.truncate(mark); // none of a failed collector's families, not even a partial one
        ok.push(false);
        if (!g.failing) this.logger?.error({ collector: g.name, err: e instanceof Error ? e.message : String(e) }, `collector ${g.name} failed`);
        g.failing = true;
      }
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    out.write(familyHeader(METRICS.collectorSuccess));
    this.groups.forEach((g, i) => writeSample(out, METRICS.collectorSuccess, { labels: g.labels, value: ok[i] ? 1 : 0 }));
    out.write(familyHeader(METRICS.collectorDuration));
    this.groups.forEach((g, i) => writeSample(out, METRICS.collectorDuration, { labels: g.labels, value: seconds[i] ?? 0 }));
    this.lastSize = out.size;
    return out.contents();
  }
}

const familyHeader = (spec: MetricSpec) => `# HELP ${spec.name} ${escapeHelp(spec.help)}\n# TYPE ${spec.name} ${spec.type}\n`;

function histogramBody(spec: MetricSpec, read: () => HistogramSample[]): (out: TextSink) => void {
  // A histogram's label sets and bucket bounds are fixed, so each bucket line's text up to the
  // count is built once and kept.
  const prefixes = new Map<string, string[]>();
  const prefix = (pairs: string, i: number, le: number): string => {
    let row = prefixes.get(pairs);
    if (!row) prefixes.set(pairs, (row = []));
    return (row[i] ??= `${spec.name}_bucket{${pairs ? `${pairs},` : ''}le="${le === Infinity ? '+Inf' : String(le)}"} `);
  };
  return (out) => {
    for (const { labels, histogram } of read()) {
      checkLabels(spec, labels);
      const pairs = formatPairs(labels);
      histogram.buckets.forEach(([le, count], i) => {
        out.write(prefix(pairs, i, le));
        out.value(count);
        out.byte(0x0a);
      });
      const l = braces(pairs);
      out.write(`${spec.name}_sum${l} `);
      out.value(histogram.sum);
      out.write(`\n${spec.name}_count${l} `);
      out.value(histogram.count);
      out.byte(0x0a);
    }
  };
}
