// 4xx answers (failed auth, 429, 404, bad queries) logged at warn without flooding the log: per
// client address, one summary line per interval with the count by status, written when the
// client's interval has ended (at its next answer, or by the periodic sweep). At most maxClients
// addresses are tracked; the rest of an interval's errors are summed under "other clients".
import type { Logger } from 'pino';

export const CLIENT_ERROR_LOG_INTERVAL_MS = 60_000;
const MAX_CLIENTS = 1_000;
const OTHERS = 'other clients';

interface Window {
  start: number;
  byStatus: Map<number, number>;
}

export class ClientErrorLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly intervalMs = CLIENT_ERROR_LOG_INTERVAL_MS,
    private readonly maxClients = MAX_CLIENTS,
  ) {}

  /** Called for every answer: closes ended intervals, counts a 4xx. */
  observe(client: string, status: number): void {
    this.flush();
    if (status < 400 || status > 499) return;
    const key = this.windows.has(client) || this.windows.size < this.maxClients ? client : OTHERS;
    let w = this.windows.get(key);
    if (!w) {
      w = { start: this.now(), byStatus: new Map() };
      this.windows.set(key, w);
    }
    w.byStatus.set(status, (w.byStatus.get(status) ?? 0) + 1);
  }

  /** Writes and forgets every interval that has ended (all of them with `all`). */
  flush(all = false): void {
    const t = this.now();
    for (const [client, w] of this.windows) {
      if (!all && t - w.start < this.intervalMs) continue;
      this.windows.delete(client);
      const counts = [...w.byStatus].sort(([a], [b]) => a - b);
      const errors = counts.reduce((n, [, c]) => n + c, 0);
      this.logger.warn(
        { client, errors, by_status: Object.fromEntries(counts.map(([s, c]) => [String(s), c])) },
        `HTTP client errors from ${client}: ${errors} in the last ${Math.round(this.intervalMs / 1000)}s (${counts.map(([s, c]) => `${s} x${c}`).join(', ')})`,
      );
    }
  }
}
