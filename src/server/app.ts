// The HTTP server: /metrics, health, the landing page and the slow-walk API. It knows nothing about
// BPF: values reach it through the prom-client registry and the providers passed in.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerAuth } from './auth.js';
import { landingPage } from './landing.js';
import type { LandingInfo, Readiness, SlowWalk } from './types.js';
import type { WebConfig } from './web-config.js';

export interface ServerDeps {
  telemetryPath: string;
  web: WebConfig;
  registry: Registry;
  readiness: () => Readiness;
  slowWalks: (limit: number) => SlowWalk[];
  landing: () => LandingInfo;
  logger: Logger;
}

export function buildServer(d: ServerDeps): FastifyInstance {
  const app = Fastify({
    // request lines are info; the http logger keeps warnings and errors only
    loggerInstance: d.logger.child({ component: 'http' }, { level: 'warn' }),
    ...(d.web.https ? { https: d.web.https } : {}),
  }) as unknown as FastifyInstance;
  registerAuth(app, d.web);

  app.get(d.telemetryPath, async (_req, reply) => {
    const body = await d.registry.metrics();
    return reply.type(d.registry.contentType).send(body);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = d.readiness();
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/slow-walks',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
      },
    },
    async (req) => ({ events: d.slowWalks(req.query.limit) }),
  );
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage(d.landing(), d.telemetryPath)));
  return app;
}
