// Soft-lockup reports from the kernel log (/dev/kmsg). A report is "in_walk" when its backtrace,
// which follows the "soft lockup" line within a few records, names the fsnotify walk.
import { createReadStream, type ReadStream } from 'node:fs';
import { uptime } from 'node:os';
import type { Logger } from 'pino';
import { WALK_FUNCTIONS } from './kallsyms.js';

const SOFT_LOCKUP = /soft lockup - CPU#(\d+) stuck for (\d+)s! \[(.*?):(\d+)\]/;
/** records after the report line that belong to its backtrace */
const BACKTRACE_RECORDS = 80;

export interface SoftLockupReport {
  cpu: number;
  stuckSeconds: number;
  comm: string;
  pid: number;
  inWalk: boolean;
}

/** Feeds kmsg records (the text after ';') and reports each soft lockup once its backtrace is read. */
export class SoftLockupParser {
  private pending: (SoftLockupReport & { left: number }) | undefined;

  constructor(private readonly onReport: (r: SoftLockupReport) => void) {}

  record(message: string): void {
    const m = SOFT_LOCKUP.exec(message);
    if (m) {
      this.flush();
      this.pending = { cpu: Number(m[1]), stuckSeconds: Number(m[2]), comm: m[3] ?? '', pid: Number(m[4]), inWalk: false, left: BACKTRACE_RECORDS };
      return;
    }
    if (!this.pending) return;
    if (WALK_FUNCTIONS.some((f) => message.includes(f))) this.pending.inWalk = true;
    if (--this.pending.left <= 0) this.flush();
  }

  flush(): void {
    if (!this.pending) return;
    const { left: _left, ...report } = this.pending;
    this.pending = undefined;
    this.onReport(report);
  }
}

/** "6,1234,5678901,-;message" → [timestamp µs since boot, message] */
export function parseKmsgRecord(line: string): [number, string] | undefined {
  const semi = line.indexOf(';');
  if (semi < 0) return undefined;
  const fields = line.slice(0, semi).split(',');
  return [Number(fields[2]), line.slice(semi + 1)];
}

/** Follows /dev/kmsg from now on (older records are skipped by timestamp). Returns a stop function. */
export function watchKmsg(logger: Logger, onReport: (r: SoftLockupReport) => void, path = '/dev/kmsg'): () => void {
  const parser = new SoftLockupParser((r) => {
    logger.error({ event: 'softlockup', ...r }, `kernel soft lockup on CPU ${r.cpu} (${r.comm}:${r.pid})${r.inWalk ? ' in the fsnotify walk' : ''}`);
    onReport(r);
  });
  const sinceUs = Math.floor(uptime() * 1e6);
  let stream: ReadStream | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const open = () => {
    // each read() of /dev/kmsg returns whole records; EPIPE means records were overwritten: reopen
    stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 8192 });
    let rest = '';
    stream.on('data', (chunk: string | Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(' ')) continue; // dictionary continuation lines (SUBSYSTEM=…)
        const rec = parseKmsgRecord(line);
        if (rec && rec[0] >= sinceUs) parser.record(rec[1]);
      }
      clearTimeout(flushTimer);
      flushTimer = setTimeout(() => parser.flush(), 2000).unref();
    });
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (stopped) return;
      if (e.code === 'EPIPE') return setTimeout(open, 100).unref();
      logger.warn({ err: e.message, path }, 'cannot read the kernel log: soft lockups will not be counted');
    });
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(flushTimer);
    stream?.destroy();
  };
}
