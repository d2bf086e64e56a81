// A stream that collects log lines, for tests of what the daemon logs: raw text and parsed JSON.
import { Writable } from 'node:stream';

export function captureLog() {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  return { raw, lines, stream };
}
