// The request-side rules of the web config, on every route (404s included), in exporter-toolkit's
// order: rate limit (429), configured response headers, basic auth (401 with WWW-Authenticate).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebConfig } from '../config/web-config.js';

/** A token bucket: `burst` requests at once, one more every `intervalMs`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (t - this.last) / this.intervalMs);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export function registerWebAuth(app: FastifyInstance, web: WebConfig): void {
  const bucket = web.rateLimit ? new TokenBucket(web.rateLimit.burst, web.rateLimit.intervalMs) : undefined;
  const headers = Object.entries(web.headers);
  const auth = web.basicAuth;
  if (!bucket && headers.length === 0 && !auth) return;

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (bucket && !bucket.take()) return reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');
    for (const [name, value] of headers) reply.header(name, value);
    if (!auth) return;
    const user = await auth.check(req.headers.authorization);
    if (user !== undefined) return;
    return reply
      .code(401)
      .header('WWW-Authenticate', 'Basic realm="fsnotify-exporter", charset="UTF-8"')
      .type('text/plain; charset=utf-8')
      .send('Unauthorized\n');
  });
}
