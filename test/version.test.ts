// --version names the exporter, the Node runtime and the libbpf it would load (the package's check).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MAIN } from '../harness/daemon.js';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });

test('--version prints the exporter, Node and libbpf versions', () => {
  const r = run({ LIBBPF_PATH: undefined });
  assert.equal(r.status, 0, r.stderr);
  const [exporter, node, libbpf] = r.stdout.trim().split('\n');
  assert.equal(exporter, `fsnotify-exporter ${version}`);
  assert.equal(node, `node ${process.versions.node}`);
  assert.match(libbpf ?? '', /^libbpf 1\.\d+ \(system libbpf\.so\.1\)$/);
});

test('--version still answers when libbpf cannot be loaded', () => {
  const r = run({ LIBBPF_PATH: '/nonexistent/libbpf.so.1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^libbpf not loadable: \/nonexistent\/libbpf\.so\.1 not found/m);
});
