// The HTTP(S) server: metrics, health, landing page, slow-walk and directory APIs, and the web config's TLS,
// client-certificate, header, rate-limit and basic-auth rules on all of them. It knows nothing
// about BPF: values reach it through the metrics source and the providers passed in.
import type { Server as TlsServer } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsSource } from '../collect/exposition.js';
import type { Options } from '../config/options.js';
import type { WebConfig } from '../config/web-config.js';
import { CLIENT_ERROR_LOG_INTERVAL_MS, ClientErrorLog } from './client-error-log.js';
import { directoriesRoute } from './directories.js';
import { healthRoutes } from './health.js';
import { HttpLogController } from './http-log.js';
import { landingRoute } from './landing.js';
import { metricsRoute } from './metrics.js';
import { slowWalksRoute } from './slow-walks.js';
import { enforceClientCertificates } from './tls-client-auth.js';
import type { DirectorySource, LandingInfo, Readiness, SlowWalkSource } from './types.js';
import { schemaCompilers } from './schema-compilers.js';
import { registerWebAuth } from './web-auth.js';

export interface ServerDeps {
  options: Pick<Options, 'web'>;
  webConfig: WebConfig;
  registry: MetricsSource;
  readiness: () => Readiness;
  slowWalks: SlowWalkSource;
  /** the diagnosis behind /api/v1/directories and the landing page's diagnosis; absent: neither is served */
  directories?: DirectorySource;
  landingInfo: () => LandingInfo;
  logger: Logger;
  /** a monotonic clock in ms, for the rate limits and the client-error log (tests freeze it) */
  now?: () => number;
}

/** Builds the server (not yet listening: see listen.ts). */
export function buildServer(d: ServerDeps): FastifyInstance {
  const logger = d.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    logController: new HttpLogController(),
    requestTimeout: 60_000,
    bodyLimit: 16 * 1024, // GET only
    schemaController: { compilersFactory: schemaCompilers },
    ...(d.webConfig.https ? { https: d.webConfig.https } : {}),
  }) as unknown as FastifyInstance;

  if (d.webConfig.https) enforceClientCertificates(app.server as unknown as TlsServer, d.webConfig, logger);
  const now = d.now ?? (() => performance.now());
  registerWebAuth(app, d.webConfig, now);
  const clientErrors = new ClientErrorLog(logger, now);
  app.addHook('onResponse', async (req, reply) => clientErrors.observe(req.ip, reply.statusCode));
  // a client that went quiet still gets its summary
  const sweep = setInterval(() => clientErrors.flush(), CLIENT_ERROR_LOG_INTERVAL_MS);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    clientErrors.flush(true);
  });
  for (const w of d.webConfig.warnings) logger.warn({ web_config: d.webConfig.file }, w);

  void app.register(metricsRoute, { path: d.options.web.telemetryPath, registry: d.registry });
  void app.register(healthRoutes, { readiness: d.readiness });
  void app.register(landingRoute, { telemetryPath: d.options.web.telemetryPath, landingInfo: d.landingInfo, slowWalks: d.slowWalks, directories: d.directories });
  void app.register(slowWalksRoute, { slowWalks: d.slowWalks });
  if (d.directories) void app.register(directoriesRoute, { directories: d.directories });
  return app;
}
