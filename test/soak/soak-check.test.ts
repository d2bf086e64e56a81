// The soak's pass criteria (soak-check.ts) on made-up records: each criterion fails on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSoak, median } from './soak-check.js';
import type { SoakResults, SoakWindow } from './soak-results.js';

const none = { bpftoolStatus: 0, progs: [], links: '', kprobeEvents: '' };
const window = (lifetime: number, o: Partial<SoakWindow> = {}): SoakWindow => ({ lifetime, from: 0, to: 1, daemonWalks: 100, bpftraceWalks: 100, parentWalks: 3, slowWalks: 10, eventsRead: 9, eventsLost: 1, drops: {}, ...o });

/** three lifetimes of 300 s, RSS `kb(lifetime, age)` */
function soak(kb: (lifetime: number, age: number) => number = () => 60_000, o: Partial<SoakResults> = {}): SoakResults {
  const rss: SoakResults['rss'] = [];
  for (let l = 1; l <= 3; l++) for (let age = 0; age < 300; age++) rss.push([(l - 1) * 300 + age, l, age, kb(l, age)]);
  return {
    kernel: '6.1.192-oldfsnotify',
    plan: { compareRss: true },
    nodeFlags: [],
    daemonArgs: [],
    restartSeconds: 5,
    rss,
    scrapes: { ok: 900, failed: 0, ms: [5, 6, 7] },
    hups: [{ t: 60, lifetime: 1, alive: true }],
    exits: [
      { lifetime: 1, t: 300, code: null, signal: 'SIGKILL', intended: true },
      { lifetime: 2, t: 600, code: null, signal: 'SIGKILL', intended: true },
      { lifetime: 3, t: 900, code: 0, signal: null, intended: true },
    ],
    windows: [window(1), window(2), window(3)],
    leftoversAfterKill: [none, none],
    herdRounds: 45,
    sigtermExit: 0,
    afterSigterm: none,
    ...o,
  };
}

test('a clean soak passes, with the RSS compared over the lifetimes 2 and 3', () => {
  const { failures, figures } = checkSoak(soak((l, age) => 50_000 + age * 10 + l * 100));
  assert.deepEqual(failures, []);
  assert.deepEqual((figures.rss as { compared: { secondKb: number; lastKb: number } }).compared.secondKb, median([...Array(300).keys()].map((a) => 50_200 + a * 10)));
});

test('RSS: 11% more in the last lifetime than in the second at the same ages fails; the first one (warm-up) does not count', () => {
  assert.equal(checkSoak(soak((l) => (l === 3 ? 66_600 : 60_000))).failures.length, 1);
  assert.deepEqual(checkSoak(soak((l) => (l === 1 ? 90_000 : 60_000))).failures, []);
});

test('each criterion fails alone', () => {
  const failing: Array<[string, Partial<SoakResults>]> = [
    ['a crash', { exits: [...soak().exits, { lifetime: 2, t: 400, code: 134, signal: null, intended: false }] }],
    ['a lost SIGHUP', { hups: [{ t: 60, lifetime: 1, alive: false }] }],
    ['a refused scrape', { scrapes: { ok: 899, failed: 1, ms: [5], errors: ['ECONNREFUSED'] } }],
    ['walks bpftrace saw and the daemon did not', { windows: [window(1), window(2, { daemonWalks: 99 }), window(3)] }],
    ['a slow walk neither read nor counted lost', { windows: [window(1), window(2), window(3, { eventsLost: 0 })] }],
    ['a lifetime without its window', { windows: [window(1), window(3)] }],
    ['no herd walk on the old kernel', { windows: [1, 2, 3].map((l) => window(l, { parentWalks: 0 })) }],
    ['a program left after a SIGKILL', { leftoversAfterKill: [none, { ...none, progs: ['1: tracing name walk_exit_fexit'] }] }],
    ['SIGTERM not exiting 0', { sigtermExit: 143 }],
    ['a herd round that hung', { herdTimeouts: 1 }],
  ];
  for (const [what, o] of failing) assert.equal(checkSoak(soak(undefined, o)).failures.length, 1, what);
  assert.deepEqual(checkSoak(soak(undefined, { scrapes: { ok: 899, failed: 1, ms: [10_000], errors: ['TimeoutError'] } })).failures, [], 'a timeout is shown, not failed');
  assert.equal(checkSoak(soak(), '[  123.4] watchdog: BUG: soft lockup - CPU#1 stuck for 22s!').failures.length, 1, 'a soft lockup');
});
