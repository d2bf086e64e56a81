// Slow-walk events as the daemon logs them: each is one JSON object per line, and no key appears
// twice in it (pino writes its own "time"; JSON.parse would silently keep the last one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Layout } from '../../src/bpf/abi.js';
import { SlowWalkStore } from '../../src/collect/slow-walks.js';
import { createLogger } from '../../src/log.js';
import { captureLog } from '../server/capture-log.js';

/** A ring-buffer record as the BPF program writes it. */
function record(): Buffer {
  const L = Layout.slowWalkEvent;
  const b = Buffer.alloc(L.size);
  record.last = b;
  b.writeBigUInt64LE(process.hrtime.bigint() - 2_000_000_000n, L.startNs);
  b.writeBigUInt64LE(75_000_000n, L.durationNs);
  b.writeBigUInt64LE(4321n, L.cgroupId);
  b.writeBigUInt64LE(200_000n, L.children + 8);
  b.writeBigUInt64LE(1234n, L.dir);
  b.writeUInt32LE((8 << 20) | 1, L.dir + 8);
  b.writeUInt32LE(99, L.pid);
  b.writeUInt32LE(99, L.tgid);
  b.writeUInt32LE(1, L.concurrentWalkers);
  b.write('python3', L.comm);
  b.write('/big', L.path);
  return b;
}
record.last = Buffer.alloc(0);

/** Every key of every object in a JSON text, in order, duplicates kept (a reviver sees each member once per parse, so it cannot see them). */
function objectKeys(json: string): string[][] {
  const objects: string[][] = [];
  const stack: string[][] = [];
  // string literals, then structural characters: a key is a string followed by ':'
  const token = /"(?:[^"\\]|\\.)*"\s*:|"(?:[^"\\]|\\.)*"|[{}]/g;
  for (const m of json.matchAll(token)) {
    const t = m[0];
    if (t === '{') stack.push([]);
    else if (t === '}') objects.push(stack.pop() ?? []);
    else if (t.endsWith(':')) stack.at(-1)?.push(JSON.parse(t.slice(0, -1).trim()) as string);
  }
  return objects;
}

test('a slow-walk log line is one JSON object with unique keys; the walk start is walk_start, pino keeps time', () => {
  const { raw: lines, stream } = captureLog();
  const store = new SlowWalkStore(10, createLogger('info', stream), true);
  store.onRecord(record());
  assert.equal(lines.length, 1);
  const line = lines[0] as string;
  for (const keys of objectKeys(line)) assert.deepEqual(keys, [...new Set(keys)], `duplicate key in ${line}`);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed['event'], 'slow_walk');
  assert.equal(parsed['level'], 'warn');
  const logged = Date.parse(String(parsed['time']));
  const started = Date.parse(String(parsed['walk_start']));
  // the record says the walk started 2 s before it was logged: 10 ms of clock rounding below, and a second above for a pause of a loaded machine
  assert.ok(logged - started >= 1990 && logged - started < 3000, `time ${String(parsed['time'])} walk_start ${String(parsed['walk_start'])}`);
  assert.equal(store.list(1)[0]?.time, parsed['walk_start'], 'the API keeps its time field');
  // the kernel's own start, exact: a near_softlockup line names the same walk with it
  assert.equal(parsed['start_ns'], Buffer.from(record.last).readBigUInt64LE(Layout.slowWalkEvent.startNs).toString());
});
