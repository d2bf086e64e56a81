// Starts the real server on 127.0.0.1, a free port, for the server tests.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { defaultOptions } from '../../src/config/options.js';
import { PLAIN_HTTP, type WebConfig } from '../../src/config/web-config.js';
import { buildServer, type ServerDeps } from '../../src/server/app.js';
import { listen } from '../../src/server/listen.js';

export interface Started {
  app: FastifyInstance;
  port: number;
  url: string;
}

export async function startServer(over: Partial<ServerDeps> & { webConfig?: WebConfig } = {}): Promise<Started> {
  const app = buildServer({
    options: defaultOptions(),
    webConfig: PLAIN_HTTP,
    registry: new Registry(),
    readiness: () => ({ ready: true, reasons: [] }),
    slowWalks: { list: () => [] },
    landingInfo: () => ({ version: '0.0.0-test', kernel: 'test', walkFunction: 'none', lockWaitMechanism: 'none', probes: [] }),
    logger: pino({ level: 'silent' }),
    ...over,
  });
  const { port } = await listen(app, '127.0.0.1:0');
  const scheme = over.webConfig?.https ? 'https' : 'http';
  return { app, port, url: `${scheme}://127.0.0.1:${port}` };
}
