// TEMPORARY shim, delete once src/daemon/daemon.ts calls loadWebConfig (src/config/web-config.ts)
// and buildServer with the new ServerDeps: it keeps the shared build green until then.
import { loadWebConfig, type WebConfig as LoadedWebConfig } from '../config/web-config.js';

/** @deprecated use WebConfig from src/config/web-config.ts */
export type WebConfig = LoadedWebConfig | { users: Map<string, string>; headers: Record<string, string>; clientCert: 'none' };

/** @deprecated use loadWebConfig from src/config/web-config.ts */
export const readWebConfig = (path: string): WebConfig => loadWebConfig(path);
