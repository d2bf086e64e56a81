// The bundled daemon loads node:https, node:http2, node:tls and node:crypto only when a web config
// asks for TLS or basic auth: fastify requires the first two when it loads, and with the TLS stack
// they cost ~1.4 MB of an idle daemon's RSS (docs/benchmark-findings.md). A TLS daemon still serves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, MAIN, sleep, startDaemon } from '../../harness/daemon.js';
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
  const port = await freePort();
  const child = spawn(process.execPath, [...PRELOAD, MAIN, `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${pki.file('web.yml')}`, '--log.level=warn'], {
    env: { ...process.env, DUMP_BUILTINS: dump },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', ca: readFileSync(pki.file('ca.crt')), servername: 'localhost', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    let status = 0;
    // until it listens: the daemon attaches before it serves (20 s, as startDaemon waits)
    for (let i = 0; i < 200 && !status && child.exitCode === null; i++) status = await get().catch(() => sleep(100).then(() => 0));
    assert.equal(status, 200, stderr);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  }
  const mods = loaded(dump);
  for (const m of ['https', 'tls', 'crypto']) assert.ok(mods.has(m), `node:${m} is loaded for TLS`);
});
