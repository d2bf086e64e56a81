// V8's memory-pressure call, through koffi, on the node running the tests: a child process asks
// for it and waits for the next major GC; V8's own trace must show a memory-reducing mark-compact,
// and new space must have shrunk. V8's own memory reducer, which also runs such GCs,
// is held off for 10 minutes in the child: without the call the wait ends at the child's 60 s bound.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compactAfterStartup } from '../../src/daemon/compact-heap.js';

const module = fileURLToPath(new URL('../../src/daemon/heap-pressure.js', import.meta.url));

const child = `
import { getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';
const { requestHeapReduction } = await import(${JSON.stringify(module)});
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let keep = [];
for (let i = 0; i < 300000; i++) keep.push({ i }); // survivors grow new space to its maximum
keep = undefined;
gc(); // a full GC that does not shrink new space; it ends any marking V8 started on its own, so the next is ours
const before = newSpace();
const bound = setTimeout(() => { console.log('RESULT ' + JSON.stringify({ majorGc: false })); process.exit(0); }, 60000);
new PerformanceObserver((list, obs) => {
  if (!list.getEntries().some((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
  obs.disconnect();
  clearTimeout(bound);
  console.log('RESULT ' + JSON.stringify({ majorGc: true, before, after: newSpace() }));
}).observe({ entryTypes: ['gc'] });
console.log('NOT-REDUCED ' + String(requestHeapReduction()));
`;

test("V8's memory-pressure call runs a memory-reducing mark-compact that shrinks new space", () => {
  const r = spawnSync(process.execPath, ['--trace-gc', '--expose-gc', '--gc-memory-reducer-start-delay-ms=600000', '--max-semi-space-size=2', '--input-type=module', '-e', child], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^NOT-REDUCED undefined$/m, 'the call is bound on this node');
  const result = JSON.parse(/^RESULT (.*)$/m.exec(r.stdout)?.[1] ?? '{}') as { majorGc?: boolean; before?: number; after?: number };
  assert.equal(result.majorGc, true, r.stdout);
  // V8's trace and the child's own lines reach the pipe through different buffers: no order between them
  assert.match(r.stdout, /Mark-Compact \(reduce\)/, r.stdout);
  assert.ok((result.after ?? Infinity) < (result.before ?? 0), `new space ${result.before} -> ${result.after}`);
});

test('without the call (node lacks it), startup falls back to a full GC and says why', { timeout: 30_000 }, async () => {
  const major = new Promise<void>((resolve) => {
    new PerformanceObserver((list, obs) => {
      if (!list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
      obs.disconnect();
      resolve();
    }).observe({ entryTypes: ['gc'] });
  });
  assert.equal(compactAfterStartup(() => 'not exported'), 'not exported');
  await major; // gc() is synchronous: its entry is already queued
});
