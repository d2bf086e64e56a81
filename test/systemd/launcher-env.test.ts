// packaging/fsnotify-exporter.sh run for real, with a stand-in for the bundled node that prints its
// environment: what the launcher sets and unsets is what the daemon gets, and what the bench reads
// from the script (bench/host-bench.ts's UNIT_ENV) is the same.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UNIT_ENV } from '../../bench/host-bench.js';

function launcherEnvironment(env: NodeJS.ProcessEnv): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'node/bin'), { recursive: true });
    copyFileSync('packaging/fsnotify-exporter.sh', join(dir, 'bin/fsnotify-exporter'));
    writeFileSync(join(dir, 'node/bin/node'), '#!/bin/sh\nenv\n');
    chmodSync(join(dir, 'node/bin/node'), 0o755);
    const r = spawnSync('sh', [join(dir, 'bin/fsnotify-exporter')], { encoding: 'utf8', env: { PATH: process.env.PATH, LIBBPF_PATH: '/x/libbpf.so.1', ...env } });
    assert.equal(r.status, 0, r.stderr);
    return new Map(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s) as [string, string]));
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test('a host-wide NODE_EXTRA_CA_CERTS does not reach the daemon; MALLOC_ARENA_MAX defaults to 2 and can be overridden', () => {
  const e = launcherEnvironment({ NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' });
  assert.equal(e.has('NODE_EXTRA_CA_CERTS'), false);
  assert.equal(e.get('MALLOC_ARENA_MAX'), '2');
  assert.equal(launcherEnvironment({ MALLOC_ARENA_MAX: '4' }).get('MALLOC_ARENA_MAX'), '4');
});

test("the bench's reading of the launcher matches what it does", () => {
  assert.deepEqual(UNIT_ENV, { MALLOC_ARENA_MAX: '2', NODE_EXTRA_CA_CERTS: undefined });
});
