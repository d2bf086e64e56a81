// libbpf's log lines: routed to pino (debug lines at debug, warnings at warn), and captured per
// call so an error can quote what libbpf said (the verifier log, for one).
import type { Logger } from 'pino';
import { PrintFn, formatVaList, libbpf, pointerTo, register } from './libbpf.js';

const LEVELS = ['warn', 'info', 'debug'] as const;
const RECENT = 200;

let sink: Logger | undefined;
let captured: string[] | undefined;

const printer = register((level: number, fmt: string, args: unknown) => {
  let line = fmt;
  try {
    // whole: a verifier log's last lines say why it rejected a program
    line = formatVaList(fmt, args) ?? fmt;
  } catch {
    // keep the raw format string
  }
  line = line.replace(/\n$/, '');
  // libbpf suggests raising RLIMIT_MEMLOCK for any EPERM; on 5.11+ memory is cgroup-accounted, so the hint misleads
  if (line.includes("try raising 'ulimit -l'")) line = line.replace(/; try raising 'ulimit -l'.*$/, ' (not a memlock limit: the kernel refused the program)');
  if (captured) {
    captured.push(line);
    if (captured.length > RECENT) captured.shift();
  }
  const lvl = LEVELS[level] ?? 'debug';
  sink?.[lvl === 'warn' ? 'debug' : lvl]({ libbpf: true }, line);
  return 0;
}, pointerTo(PrintFn));
libbpf.setPrint(printer);

/**
 * Starts capturing libbpf's lines (and routes them to `logger`); stop() returns them. libbpf's
 * warnings reach pino at debug: the caller decides what a failure means and logs that instead.
 */
export function libbpfLogCapture(logger: Logger | undefined): { stop(): string[] } {
  if (logger) sink = logger;
  const lines: string[] = [];
  captured = lines;
  return {
    stop() {
      if (captured === lines) captured = undefined;
      return lines;
    },
  };
}
