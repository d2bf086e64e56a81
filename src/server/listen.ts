// Listening, with the errors a user can fix turned into one line each.
import type { FastifyInstance } from 'fastify';
import { parseListenAddress } from '../config/cli.js';
import { ExitCode, FatalError } from '../errors.js';

export async function listen(app: FastifyInstance, address: string): Promise<void> {
  const { host, port } = parseListenAddress(address);
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new FatalError(ExitCode.LISTEN, `address ${address} is already in use`, 'stop the other process or pass --web.listen-address');
    if (code === 'EACCES') throw new FatalError(ExitCode.LISTEN, `no permission to listen on ${address}`, 'use a port above 1023 or grant CAP_NET_BIND_SERVICE');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      throw new FatalError(ExitCode.LISTEN, `cannot listen on ${address}: no such local address`, 'pass an address of this host to --web.listen-address');
    throw new FatalError(ExitCode.LISTEN, `cannot listen on ${address} (${code ?? (e as Error).message})`, 'check --web.listen-address');
  }
}
