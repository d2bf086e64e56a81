// The request-side rules of the web config, on every route (404s included), in exporter-toolkit's
// order: rate limit (429), configured response headers, basic auth (401 with WWW-Authenticate).
// Basic auth cannot starve scrapes: credentials that passed before need no bcrypt, the rest is
// compared on a worker thread, and each client address gets FAILED_AUTH_BURST compares that fail,
// then one more every FAILED_AUTH_INTERVAL_MS; past that it gets 429 without a compare.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicAuthorization } from '../config/basic-auth.js';
import { BcryptBusy } from '../config/bcrypt-worker.js';
import type { WebConfig } from '../config/web-config.js';
import { ClientBudgets } from './client-budgets.js';
import { TokenBucket } from './token-bucket.js';

export const FAILED_AUTH_BURST = 5;
export const FAILED_AUTH_INTERVAL_MS = 2_000;
/** Client addresses whose failures are remembered; the least recently seen are forgotten first. */
export const FAILED_AUTH_CLIENTS = 10_000;

const tooMany = (reply: FastifyReply) => reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');

export function registerWebAuth(app: FastifyInstance, web: WebConfig, now: () => number = () => performance.now()): void {
  const bucket = web.rateLimit ? new TokenBucket(web.rateLimit.burst, web.rateLimit.intervalMs, now) : undefined;
  const headers = Object.entries(web.headers);
  const auth = web.basicAuth;
  if (!bucket && headers.length === 0 && !auth) return;
  const failures = new ClientBudgets(FAILED_AUTH_BURST, FAILED_AUTH_INTERVAL_MS, FAILED_AUTH_CLIENTS, now);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (bucket && !bucket.take()) return tooMany(reply);
    for (const [name, value] of headers) reply.header(name, value);
    if (!auth) return;
    const credentials = parseBasicAuthorization(req.headers.authorization);
    if (auth.verifiedUser(credentials)) return;
    if (credentials) {
      // a compare is paid for up front and given back when it succeeds: concurrent guesses cannot overdraw
      if (!failures.take(req.ip)) return tooMany(reply);
      try {
        if (await auth.verify(credentials.user, credentials.password)) {
          failures.refund(req.ip);
          return;
        }
      } catch (e) {
        failures.refund(req.ip);
        if (e instanceof BcryptBusy) return tooMany(reply);
        throw e;
      }
    }
    return reply
      .code(401)
      .header('WWW-Authenticate', 'Basic realm="fsnotify-exporter", charset="UTF-8"')
      .type('text/plain; charset=utf-8')
      .send('Unauthorized\n');
  });
}
