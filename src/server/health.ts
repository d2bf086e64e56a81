// /healthz: 200 while the process serves. /readyz: 200 once the walk probes are attached, else 503
// with the reasons (a probe that cannot attach on this kernel keeps it at 503: see --strict).
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from './types.js';

export interface HealthRoutesOptions {
  readiness: () => Readiness;
}

const readinessSchema = {
  type: 'object',
  required: ['ready', 'reasons'],
  properties: { ready: { type: 'boolean' }, reasons: { type: 'array', items: { type: 'string' } }, degraded: { type: 'array', items: { type: 'string' } } },
} as const;

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { readiness }) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async () => ({ status: 'ok' }),
  );
  app.get('/readyz', { schema: { response: { 200: readinessSchema, 503: readinessSchema } } }, async (_req, reply) => {
    const r = readiness();
    return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, reasons: r.ready ? [] : r.reasons, degraded: r.degraded ?? [] });
  });
};
