// Closing the server within a deadline: requests in flight get SHUTDOWN_GRACE_MS to finish, then
// every connection still open (a client that sent half a request, a stuck scraper) is cut.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Long enough for a scrape in flight (milliseconds), far below systemd's 90 s stop timeout. */
export const SHUTDOWN_GRACE_MS = 5_000;

export async function closeServerWithin(app: FastifyInstance, logger: Logger, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), graceMs)));
  const closed = app.close().then(
    () => 'closed' as const,
    () => 'closed' as const, // a failed close leaves nothing to wait for
  );
  const outcome = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  if (outcome === 'closed') return;
  const open = await new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n ?? 0)));
  const what = open === 1 ? '1 connection still open' : `${open} connections still open`;
  logger.warn({ open_connections: open }, `shutdown: ${what} after ${graceMs / 1000}s: closing ${open === 1 ? 'it' : 'them'}`);
  app.server.closeAllConnections();
}
