// Listening: a busy port, an address that is not this host's, and the error mapping.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { defaultOptions } from '../../src/config/options.js';
import { PLAIN_HTTP } from '../../src/config/web-config.js';
import { ExitCode, FatalError } from '../../src/errors.js';
import { buildServer } from '../../src/server/app.js';
import { listen, listenError } from '../../src/server/listen.js';

const server = () =>
  buildServer({
    options: defaultOptions(),
    webConfig: PLAIN_HTTP,
    registry: new Registry(),
    readiness: () => ({ ready: true, reasons: [] }),
    slowWalks: { list: () => [] },
    landingInfo: () => ({ version: 't', kernel: 'k', walkFunction: 'w', lockWaitMechanism: 'none', probes: [] }),
    logger: pino({ level: 'silent' }),
  });
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function fails(address: string, code: number, line: string) {
  const app = server();
  closers.push(() => app.close());
  await assert.rejects(listen(app, address), (e: unknown) => {
    assert.ok(e instanceof FatalError, String(e));
    assert.equal(e.line(), line);
    assert.equal(e.code, code);
    return true;
  });
}

test('port in use → LISTEN (9), one line', async () => {
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => busy.close(r)));
  const port = (busy.address() as { port: number }).port;
  await fails(
    `127.0.0.1:${port}`,
    ExitCode.LISTEN,
    `fsnotify-exporter: address 127.0.0.1:${port} is already in use; stop the other process or pass --web.listen-address`,
  );
});

test('an address that is not this host\'s → USAGE (2)', async () => {
  await fails(
    '192.0.2.1:9717',
    ExitCode.USAGE,
    "fsnotify-exporter: cannot listen on 192.0.2.1:9717: not an address of this host; pass one of this host's addresses to --web.listen-address, or :port for all",
  );
});

test('a malformed address → USAGE (2)', async () => {
  await fails('nowhere', ExitCode.USAGE, 'fsnotify-exporter: --web.listen-address: "nowhere" must be [host]:port, e.g. :9717, 127.0.0.1:9717 or [::1]:9717; for example --web.listen-address=:9717');
});

test(':port listens on every address', async () => {
  const app = server();
  closers.push(() => app.close());
  const { port } = await listen(app, ':0');
  assert.ok(port > 0);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});

test('errno → exit code and fix', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const cases: [string, string, number, string][] = [
    ['EACCES', ':80', ExitCode.LISTEN, 'fsnotify-exporter: no permission to listen on :80 (a privileged port); use a port above 1023 (the default is :9717) or grant CAP_NET_BIND_SERVICE'],
    ['ENOTFOUND', 'nosuch.invalid:9717', ExitCode.USAGE, 'fsnotify-exporter: cannot listen on nosuch.invalid:9717: the host name does not resolve (ENOTFOUND); pass an IP address to --web.listen-address, e.g. :9717, 127.0.0.1:9717 or [::1]:9717'],
    ['EAFNOSUPPORT', '[::1]:9717', ExitCode.USAGE, 'fsnotify-exporter: cannot listen on [::1]:9717: the address family is not supported here (IPv6 disabled?); pass an IPv4 address to --web.listen-address, e.g. 0.0.0.0:9717'],
    ['EMFILE', ':9717', ExitCode.LISTEN, 'fsnotify-exporter: cannot listen on :9717 (EMFILE); check --web.listen-address'],
  ];
  for (const [code, address, exit, line] of cases) {
    const e = listenError(err(code), address);
    assert.equal(e.line(), line, code);
    assert.equal(e.code, exit, code);
  }
});
