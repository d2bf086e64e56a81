// GET <telemetry path>: the prom-client registry, in its own content type. Collection happens in
// the metrics' collect() callbacks (reading BPF maps at scrape time); this route only asks.
import type { FastifyPluginAsync } from 'fastify';
import type { MetricsSource } from '../collect/exposition.js';

export interface MetricsRouteOptions {
  path: string;
  registry: MetricsSource;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, { path, registry }) => {
  app.get(
    path,
    { schema: { response: { 200: { type: 'string' }, 500: { type: 'string' } } } },
    async (req, reply) => {
      let body: string | Buffer;
      try {
        body = await registry.metrics();
      } catch (e) {
        req.log.error({ err: e }, 'collecting metrics failed');
        return reply.code(500).type('text/plain; charset=utf-8').send(`collecting metrics failed: ${(e as Error).message}\n`);
      }
      return reply.type(registry.contentType).send(body);
    },
  );
};
