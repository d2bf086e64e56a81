// The bundled daemon loads node:https, node:http2, node:tls and node:crypto only when a web config
// asks for TLS or basic auth: fastify requires the first two when it loads, and with the TLS stack
// they cost ~1.4 MB of an idle daemon's RSS (docs/benchmark-findings.md). A TLS daemon still serves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDaemon, tlsGet } from '../../harness/daemon.js';
import { makePki } from '../server/pki.js';

const PRELOAD = ['-r', './test/fixtures/dump-builtins.cjs'];
const LAZY = ['https', 'http2', 'tls', 'crypto'];
const loaded = (file: string) => new Set((JSON.parse(readFileSync(file, 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));

test('plain HTTP: every route answers and none of node:https, http2, tls, crypto is loaded', async () => {
  const dump = join(mkdtempSync(join(tmpdir(), 'fsnotify-exporter-builtins-')), 'loaded.json');
  const d = await startDaemon(['--log.level=warn'], { DUMP_BUILTINS: dump }, PRELOAD);
  try {
    for (const path of ['/metrics', '/', '/readyz', '/api/v1/slow-walks?limit=5']) {
      const r = await fetch(`http://127.0.0.1:${d.port}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      await r.arrayBuffer();
      assert.ok(r.status === 200 || (path === '/readyz' && r.status === 503), `${path}: ${r.status}`);
    }
  } finally {
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0, d.stderr());
  }
  const mods = loaded(dump);
  // the list is real: the server's own modules are in it
  for (const m of ['http', 'zlib']) assert.ok(mods.has(m), `node:${m} is loaded`);
  for (const m of LAZY) assert.ok(!mods.has(m), `node:${m} is loaded by a plain-HTTP daemon`);
});

test('TLS web config: the bundled daemon serves /metrics over TLS, and loads the TLS stack', async () => {
  const pki = makePki();
  writeFileSync(pki.file('web.yml'), 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n');
  const dump = pki.file('loaded.json');
  const d = await startDaemon([`--web.config.file=${pki.file('web.yml')}`, '--log.level=warn'], { DUMP_BUILTINS: dump }, PRELOAD, readFileSync(pki.file('ca.crt')));
  try {
    assert.equal((await tlsGet(d.port, '/metrics', readFileSync(pki.file('ca.crt')))).status, 200, d.stderr());
  } finally {
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0, d.stderr());
  }
  const mods = loaded(dump);
  for (const m of ['https', 'tls', 'crypto']) assert.ok(mods.has(m), `node:${m} is loaded for TLS`);
});
