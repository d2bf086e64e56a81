// The hardened unit: systemd's own checks, and the exposure score against its recorded ceiling.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { SCORE_CEILING } from './exposure.js';

const UNIT = 'systemd/fsnotify-exporter.service';
const text = readFileSync(UNIT, 'utf8');
const directive = (name: string) => text.split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);

test('systemd-analyze verify passes', () => {
  // verify wants ExecStart's program to exist: the package's /usr/bin/fsnotify-exporter is this wrapper
  assert.match(directive('ExecStart') ?? '', /^\/usr\/bin\/fsnotify-exporter /);
  const dir = mkdtempSync(join(tmpdir(), 'unit-'));
  const copy = join(dir, 'fsnotify-exporter.service');
  writeFileSync(copy, text.replace('ExecStart=/usr/bin/fsnotify-exporter', `ExecStart=${resolve('packaging/fsnotify-exporter.sh')}`));
  const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', r.stderr);
});

test(`systemd-analyze security exposure stays at or below ${SCORE_CEILING}`, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
  const m = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(Number(m[1]) <= SCORE_CEILING, `exposure ${m[1]}`);
});

test('capabilities are exactly the five the daemon needs; no W^X ban for V8', () => {
  const caps = ['CAP_BPF', 'CAP_PERFMON', 'CAP_SYSLOG', 'CAP_SYS_RESOURCE', 'CAP_SYS_PTRACE'];
  assert.deepEqual(directive('CapabilityBoundingSet')?.split(' ').sort(), [...caps].sort());
  assert.deepEqual(directive('AmbientCapabilities')?.split(' ').sort(), [...caps].sort());
  assert.equal(directive('MemoryDenyWriteExecute'), undefined);
  for (const d of ['ProtectSystem', 'ProtectHome', 'PrivateTmp', 'NoNewPrivileges', 'SystemCallFilter', 'RestrictAddressFamilies', 'Restart'])
    assert.ok(directive(d), `${d} missing`);
  assert.match(directive('SystemCallFilter') ?? '', /bpf/);
  assert.match(directive('SystemCallFilter') ?? '', /perf_event_open/);
});
