// Listening on --web.listen-address, with what a user can fix turned into one line each:
// a busy port or a privileged one → LISTEN (9), an address that is not this host's → USAGE (2).
import type { FastifyInstance } from 'fastify';
import { type ListenAddress, LISTEN_ADDRESS_EXAMPLE, parseListenAddress } from '../config/listen-address.js';
import { ExitCode, FatalError } from '../errors.js';

const FLAG = '--web.listen-address';

/** The FatalError for a failed listen() on `address`. */
export function listenError(e: unknown, address: string): FatalError {
  const code = (e as NodeJS.ErrnoException).code;
  const port = parseListenAddress(address);
  switch (code) {
    case 'EADDRINUSE':
      return new FatalError(ExitCode.LISTEN, `address ${address} is already in use`, `stop the other process or pass ${FLAG}`);
    case 'EACCES':
    case 'EPERM':
      return new FatalError(
        ExitCode.LISTEN,
        `no permission to listen on ${address}${'port' in port && port.port < 1024 ? ' (a privileged port)' : ''}`,
        `use a port above 1023 (the default is :9717) or grant CAP_NET_BIND_SERVICE`,
      );
    case 'EADDRNOTAVAIL':
      return new FatalError(ExitCode.USAGE, `cannot listen on ${address}: not an address of this host`, `pass one of this host's addresses to ${FLAG}, or :port for all`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new FatalError(ExitCode.USAGE, `cannot listen on ${address}: the host name does not resolve (${code})`, `pass an IP address to ${FLAG}, e.g. ${LISTEN_ADDRESS_EXAMPLE}`);
    case 'EAFNOSUPPORT':
      return new FatalError(ExitCode.USAGE, `cannot listen on ${address}: the address family is not supported here (IPv6 disabled?)`, `pass an IPv4 address to ${FLAG}, e.g. 0.0.0.0:9717`);
    default:
      return new FatalError(ExitCode.LISTEN, `cannot listen on ${address} (${code ?? (e as Error).message})`, `check ${FLAG}`);
  }
}

/**
 * Starts listening. ":port" listens on every address: IPv6 and IPv4 (dual stack), or IPv4 alone
 * where the host has no IPv6. Returns where it listens (the real port when given port 0).
 */
export async function listen(app: FastifyInstance, address: string): Promise<ListenAddress> {
  const parsed = parseListenAddress(address);
  if ('error' in parsed) throw new FatalError(ExitCode.USAGE, `${FLAG}: ${JSON.stringify(address)} ${parsed.error}`, `for example ${FLAG}=:9717`);
  const attempt = (host: string) => app.listen({ host, port: parsed.port, listenTextResolver: (a) => `listening on ${a}` });
  try {
    if (parsed.host !== '') await attempt(parsed.host);
    else
      await attempt('::').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL') return attempt('0.0.0.0');
        throw e;
      });
  } catch (e) {
    throw listenError(e, address);
  }
  const bound = app.server.address();
  if (bound && typeof bound === 'object') return { host: bound.address, port: bound.port };
  return parsed;
}
