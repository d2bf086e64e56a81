// The client-error log and the per-client failure budgets stay bounded however many addresses a
// flood comes from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { ClientBudgets } from '../../src/server/client-budgets.js';
import { ClientErrorLog } from '../../src/server/client-error-log.js';
import { captureLog } from './capture-log.js';

test('client-error log: past maxClients addresses, errors are summed under "other clients"; one line each per interval', () => {
  const { lines, stream } = captureLog();
  let now = 0;
  const log = new ClientErrorLog(createLogger('info', stream), () => now, 1000, 2);
  for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.1']) log.observe(client, 401);
  log.observe('10.0.0.2', 200);
  assert.equal(lines.length, 0);
  now = 1000;
  log.flush();
  assert.deepEqual(
    lines.map((l) => [l['client'], l['errors']]),
    [
      ['10.0.0.1', 2],
      ['10.0.0.2', 1],
      ['other clients', 2],
    ],
  );
  log.flush();
  assert.equal(lines.length, 3, 'an interval is written once');
});

test('failure budgets: burst per address, refunds, and the least recently seen address forgotten first', () => {
  const now = 0;
  const budgets = new ClientBudgets(2, 1000, 2, () => now);
  assert.deepEqual([budgets.take('a'), budgets.take('a'), budgets.take('a')], [true, true, false]);
  budgets.refund('a');
  assert.equal(budgets.take('a'), true);
  assert.equal(budgets.take('b'), true);
  assert.equal(budgets.take('c'), true); // forgets a, the least recently seen
  assert.deepEqual([budgets.take('a'), budgets.take('a'), budgets.take('a')], [true, true, false], 'a starts afresh');
});
