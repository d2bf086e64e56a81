// --web.listen-address, as Prometheus exporters take it: "[host]:port". ":9717" is every address
// of the host, "127.0.0.1:9717" one IPv4 address, "[::1]:9717" one IPv6 address, "localhost:9717"
// a name of this host.
import { isIPv4, isIPv6 } from 'node:net';

export interface ListenAddress {
  /** '' = every address of the host */
  host: string;
  port: number;
}

export const LISTEN_ADDRESS_EXAMPLE = ':9717, 127.0.0.1:9717 or [::1]:9717';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The host and port, or `error` completing `"<address>" ...`. */
export function parseListenAddress(address: string): ListenAddress | { error: string } {
  const usage = { error: `must be [host]:port, e.g. ${LISTEN_ADDRESS_EXAMPLE}` };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return /^\d+$/.test(address) ? { error: `has no colon before the port: use :${address}` } : usage;
  const hostPart = address.slice(0, colon);
  const portPart = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portPart)) return usage;
  const port = Number(portPart);
  if (port > 65535) return { error: `has port ${port}, above 65535` };

  if (hostPart.startsWith('[') && hostPart.endsWith(']')) {
    const host = hostPart.slice(1, -1);
    return isIPv6(host) ? { host, port } : { error: `has "${host}" in brackets, which is not an IPv6 address` };
  }
  if (hostPart.includes(':')) return { error: `has an IPv6 address without brackets: use [${hostPart}]:${port}` };
  if (hostPart === '' || isIPv4(hostPart)) return { host: hostPart, port };
  if (/^[\d.]+$/.test(hostPart)) return { error: `has "${hostPart}", which is not an IPv4 address` };
  if (!HOSTNAME.test(hostPart)) return { error: `has "${hostPart}", which is not a host name or address` };
  return { host: hostPart, port };
}

/** "[::1]:9717" for IPv6 hosts, "host:port" otherwise. */
export function formatListenAddress({ host, port }: ListenAddress): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
