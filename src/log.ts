// pino JSON logs on stdout (journald and kubectl logs both take them as they are).
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/options.js';

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'fsnotify-exporter' }, timestamp: pino.stdTimeFunctions.isoTime });
}
