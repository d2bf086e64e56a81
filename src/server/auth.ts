// Basic auth and the per-request client-certificate rules of the web config. bcrypt costs ~50 ms
// per check by design, so a verified user:password pair is remembered (bounded), as
// exporter-toolkit does, or every scrape would pay it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebConfig } from './web-config.js';

const CACHE_MAX = 100;

export function registerAuth(app: FastifyInstance, web: WebConfig): void {
  const verified = new Map<string, Buffer>(); // user → sha256(user:password) that passed bcrypt
  const deny = (reply: FastifyReply) => reply.code(401).header('WWW-Authenticate', 'Basic realm="fsnotify-exporter"').send('Unauthorized\n');

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [name, value] of Object.entries(web.headers)) reply.header(name, value);
    if (web.clientCert === 'require_any' || web.clientCert === 'verify_if_given') {
      const socket = req.raw.socket as TLSSocket;
      const cert = socket.getPeerCertificate?.();
      const presented = cert && Object.keys(cert).length > 0;
      if ((web.clientCert === 'require_any' && !presented) || (web.clientCert === 'verify_if_given' && presented && !socket.authorized))
        return reply.code(403).send('client certificate required\n');
    }
    if (web.users.size === 0) return;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return deny(reply);
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return deny(reply);
    const user = decoded.slice(0, colon);
    const hash = web.users.get(user);
    if (!hash) return deny(reply);
    const digest = createHash('sha256').update(decoded).digest();
    const known = verified.get(user);
    if (known && timingSafeEqual(known, digest)) return;
    if (!(await bcrypt.compare(decoded.slice(colon + 1), hash))) return deny(reply);
    if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value as string);
    verified.set(user, digest);
  });
}
