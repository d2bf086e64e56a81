// everyShared: tasks of one period run in one wakeup, in the order they joined; stop() leaves the
// others running and the last one takes the timer with it. Node's mock timers: no real waiting.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { everyShared, sharedPeriods } from '../src/shared-interval.js';

test('tasks of one period share a timer and run in the order they joined; another period has its own', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const ran: string[] = [];
  const stopA = everyShared(1000, () => ran.push('a'));
  const stopB = everyShared(1000, () => ran.push('b'));
  const stopC = everyShared(250, () => ran.push('c'));
  assert.deepEqual(sharedPeriods().sort(), [1000, 250].sort());
  mock.timers.tick(999);
  assert.deepEqual(ran, ['c', 'c', 'c']);
  mock.timers.tick(1);
  assert.deepEqual(ran.filter((r) => r !== 'c'), ['a', 'b']);
  assert.equal(ran.filter((r) => r === 'c').length, 4);
  stopA();
  ran.length = 0;
  mock.timers.tick(1000);
  assert.deepEqual(ran.filter((r) => r !== 'c'), ['b'], 'a stopped, b still runs');
  stopB();
  assert.deepEqual(sharedPeriods(), [250], 'the last task of a period clears its timer');
  stopC();
  stopC(); // twice is harmless
  assert.deepEqual(sharedPeriods(), []);
});

test('the same function joined twice runs twice, and each stop() removes one', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  let n = 0;
  const fn = () => n++;
  const stop1 = everyShared(500, fn);
  const stop2 = everyShared(500, fn);
  mock.timers.tick(500);
  assert.equal(n, 2);
  stop1();
  mock.timers.tick(500);
  assert.equal(n, 3);
  stop2();
  assert.deepEqual(sharedPeriods(), []);
});
