// Client-certificate rules Node's TLS options cannot express, checked once per connection right
// after the handshake (a refused client sees the connection closed, never an HTTP answer), as Go's
// crypto/tls does for exporter-toolkit:
//   RequestClientCert        ask, accept anything (nothing to do here)
//   RequireAnyClientCert     a certificate must be presented, not verified
//   VerifyClientCertIfGiven  no certificate is fine; a presented one must verify
//   RequireAndVerifyClientCert  done by the handshake itself (rejectUnauthorized)
// plus client_allowed_sans: the certificate must carry one of the listed SANs.
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { WebConfig } from '../config/web-config.js';

/** "DNS:a, IP Address:1.2.3.4, email:x@y, URI:spiffe://z" → ["a", "1.2.3.4", "x@y", "spiffe://z"] */
export function subjectAltNames(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address|email|URI):/, ''))
    .filter(Boolean);
}

/** Why this connection must be refused, or undefined. */
export function clientCertProblem(socket: TLSSocket, web: Pick<WebConfig, 'clientAuth' | 'clientAllowedSans'>): string | undefined {
  const cert = socket.getPeerCertificate();
  const presented = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  if (web.clientAuth === 'RequireAnyClientCert' && !presented) return 'no client certificate';
  if (web.clientAuth === 'VerifyClientCertIfGiven' && presented && !socket.authorized)
    return `client certificate does not verify (${String(socket.authorizationError)})`;
  if (web.clientAllowedSans) {
    if (!presented) return 'no client certificate';
    const sans = subjectAltNames(cert.subjectaltname);
    if (!sans.some((s) => web.clientAllowedSans?.includes(s))) return `client certificate SANs [${sans.join(', ')}] are not in client_allowed_sans`;
  }
  return undefined;
}

export function enforceClientCertificates(server: TlsServer, web: WebConfig, logger: Logger): void {
  const policed = web.clientAuth === 'RequireAnyClientCert' || web.clientAuth === 'VerifyClientCertIfGiven' || web.clientAllowedSans !== undefined;
  if (policed)
    server.on('secureConnection', (socket: TLSSocket) => {
      const problem = clientCertProblem(socket, web);
      if (!problem) return;
      logger.info({ remote: socket.remoteAddress, client_auth_type: web.clientAuth }, `TLS connection refused: ${problem}`);
      socket.destroy();
    });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    logger.debug({ remote: socket.remoteAddress, code: err.code }, `TLS handshake failed: ${err.message}`);
  });
}
