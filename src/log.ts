// pino JSON logs, one object per line, on stdout (journald and `kubectl logs` take them as they are).
// stderr is kept for the one-line fatal error (docs/architecture.md), so a failure is never buried
// in log lines and tests can assert that stderr holds exactly that line.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/options.js';

export type { Logger } from 'pino';

export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: { service: 'fsnotify-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than 40: readable in journald, and what log pipelines match on
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
