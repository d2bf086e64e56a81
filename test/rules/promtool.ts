// promtool (Debian's prometheus package), for the rule and dashboard tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export const promtool = (...args: string[]) => {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  assert.notEqual(r.error?.message.includes('ENOENT'), true, 'promtool not found: apt-get install prometheus');
  return r;
};
