// TEMPORARY: buildServer's arguments as src/daemon/daemon.ts passes them today, mapped to
// ServerDeps. Delete with src/server/web-config.ts once daemon.ts passes ServerDeps.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { defaultOptions } from '../config/options.js';
import { PLAIN_HTTP } from '../config/web-config.js';
import type { ServerDeps } from './app.js';
import type { LandingInfo, Readiness, SlowWalk } from './types.js';
import type { WebConfig as ShimWebConfig } from './web-config.js';

/** @deprecated pass ServerDeps */
export interface LegacyServerDeps {
  telemetryPath: string;
  web: ShimWebConfig;
  registry: Registry;
  readiness: () => Readiness;
  slowWalks: (limit: number) => SlowWalk[];
  landing: () => LandingInfo;
  logger: Logger;
}

export function fromLegacy(d: ServerDeps | LegacyServerDeps): ServerDeps {
  if (!('telemetryPath' in d)) return d;
  const options = defaultOptions();
  options.web.telemetryPath = d.telemetryPath;
  const slowWalks = d.slowWalks;
  return {
    options,
    webConfig: 'users' in d.web ? { ...PLAIN_HTTP, headers: d.web.headers, warnings: [] } : d.web,
    registry: d.registry,
    readiness: d.readiness,
    slowWalks: { list: (limit) => slowWalks(limit) },
    landingInfo: d.landing,
    logger: d.logger,
  };
}
