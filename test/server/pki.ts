// Test certificates made with openssl at test time: a CA, server certificates (EC and RSA) for
// localhost and 127.0.0.1, a client certificate the CA signed, and a self-signed client certificate it did not.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  file: (name: string) => string;
  read: (name: string) => Buffer;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'fsnotify-exporter-pki-'));
  const file = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', ...EC, '-days', '2', '-subj', '/CN=test-ca', '-keyout', file('ca.key'), '-out', file('ca.crt'));
  const signed = (name: string, cn: string, ext: string, key = EC) => {
    ssl('req', ...key, '-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    writeFileSync(file(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
  };
  signed('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  // static-RSA suites (AES128-SHA) need an RSA certificate to be offered at all
  signed('server-rsa', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', ['-newkey', 'rsa:2048', '-nodes']);
  signed('client', 'scraper', 'subjectAltName=DNS:scraper.example\nextendedKeyUsage=clientAuth\n');
  ssl('req', '-x509', ...EC, '-days', '2', '-subj', '/CN=rogue', '-addext', 'subjectAltName=DNS:rogue.example', '-addext', 'extendedKeyUsage=clientAuth', '-keyout', file('rogue.key'), '-out', file('rogue.crt'));
  return { dir, file, read: (n) => readFileSync(file(n)) };
}
