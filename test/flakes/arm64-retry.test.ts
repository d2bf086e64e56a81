// The arm64 guest's retry rule (test/e2e/arm64-retry.ts), on the exits Node and the daemon give.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { emulationFault } from '../e2e/arm64-retry.js';

test('an exit status is never retried: 70 (internal error), the daemon\'s own codes, 134 as a number', () => {
  for (const status of [0, 1, 2, 5, 7, 8, 70, 134, 139]) assert.equal(emulationFault(status, null), false, String(status));
});

test('a death by signal is retried, as spawnSync reports it for a real process', () => {
  const r = spawnSync(process.execPath, ['-e', 'process.kill(process.pid, "SIGSEGV")']);
  assert.equal(r.signal, 'SIGSEGV');
  assert.equal(emulationFault(r.status, r.signal), true);
  const internal = spawnSync(process.execPath, ['-e', 'process.exit(70)']);
  assert.deepEqual([internal.status, internal.signal], [70, null]);
  assert.equal(emulationFault(internal.status, internal.signal), false);
});
