// Soft-lockup reports from the kernel log (/dev/kmsg). A report is "in_walk" when its backtrace,
// which follows the "soft lockup" line within a few records, names the fsnotify walk.
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { constants, uptime } from 'node:os';
import koffi from 'koffi';
import type { Logger } from 'pino';
import { everyShared } from '../shared-interval.js';
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

const libc = koffi.load('libc.so.6');
const read = libc.func('long read(int fd, void *buf, size_t count)') as unknown as (fd: number, buf: Buffer, count: number) => number;
/** errno → name; of two names for one number (EAGAIN, EWOULDBLOCK) the first */
const ERRNO_NAMES = new Map(Object.entries(constants.errno).reverse().map(([name, n]) => [n, name]));

/**
 * One read(2) of a non-blocking fd: the bytes read, 'EAGAIN' (nothing new), 'EPIPE' (records
 * overwritten before they were read), or another error's name. libc's read rather than node's
 * readSync, which throws an Error for EAGAIN, the end of every drain of a quiet kernel log (once a
 * second): building it (its stack trace, the throw) was 15% of an idle daemon's CPU outside its
 * /proc scans (docs/benchmark-findings.md).
 */
export function readRecord(fd: number, buf: Buffer): number | string {
  for (;;) {
    const n = read(fd, buf, buf.length);
    if (n >= 0) return n;
    const errno = koffi.errno();
    if (errno !== constants.errno.EINTR) return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  }
}

/**
 * Follows /dev/kmsg from now on (older records are skipped by timestamp). The fd is non-blocking and
 * drained on a timer: a blocking read would pin a libuv thread that process exit then waits for.
 */
export function watchKmsg(logger: Logger, onReport: (r: SoftLockupReport) => void, path = '/dev/kmsg', intervalMs = 1000): () => void {
  const parser = new SoftLockupParser((r) => {
    logger.error({ event: 'softlockup', ...r }, `kernel soft lockup on CPU ${r.cpu} (${r.comm}:${r.pid})${r.inWalk ? ' in the fsnotify walk' : ''}`);
    onReport(r);
  });
  const sinceUs = Math.floor(uptime() * 1e6);
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    logger.warn({ err: (e as Error).message, path }, 'cannot read the kernel log: soft lockups will not be counted');
    return () => {};
  }
  const buf = Buffer.alloc(8192);
  const drain = () => {
    let records = 0;
    for (;;) {
      const n = readRecord(fd, buf);
      if (n === 'EPIPE') continue; // records overwritten before we read them: go on with the next
      if (typeof n !== 'number') {
        if (n !== 'EAGAIN') logger.warn({ err: n }, 'reading the kernel log failed');
        break;
      }
      if (n <= 0) break;
      const rec = parseKmsgRecord(buf.toString('utf8', 0, n).split('\n')[0] ?? '');
      if (rec && rec[0] >= sinceUs) parser.record(rec[1]);
      records++;
    }
    // a report and its backtrace arrive together; a quiet tick means the backtrace is complete
    if (records === 0) parser.flush();
  };
  const stop = everyShared(intervalMs, drain);
  return () => {
    stop();
    closeSync(fd);
  };
}
