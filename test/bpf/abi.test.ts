// The TypeScript mirror of bpf/fsnotify.h must match the header and the compiled objects' BTF.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COUNT_SLOTS, Counter, DURATION_SLOTS, Layout, NR_COUNTERS, PATH_LEN, SCAN_BOUNDED_MAX, SCAN_BOUNDED_STEP } from '../../src/bpf/abi.js';

const header = readFileSync('bpf/fsnotify.h', 'utf8');

function headerValue(name: string): number {
  const m = new RegExp(`(?:#define\\s+${name}\\s+|\\b${name}\\s*=\\s*)(\\d+)`).exec(header);
  assert.ok(m, `${name} not in bpf/fsnotify.h`);
  return Number(m[1]);
}

test('constants match the header', () => {
  assert.equal(DURATION_SLOTS, headerValue('DURATION_SLOTS'));
  assert.equal(COUNT_SLOTS, headerValue('COUNT_SLOTS'));
  assert.equal(PATH_LEN, headerValue('PATH_LEN'));
  assert.equal(SCAN_BOUNDED_MAX, headerValue('SCAN_BOUNDED_MAX'));
  assert.equal(SCAN_BOUNDED_STEP, headerValue('SCAN_BOUNDED_STEP'));
  assert.equal(NR_COUNTERS, headerValue('NR_COUNTERS'));
  for (const [name, value] of Object.entries(Counter)) assert.equal(value, headerValue(`CNT_${name}`), `CNT_${name}`);
});

/** struct name → {size, member → byte offset} from the object's BTF */
function btfStructs(object: string): Map<string, { size: number; members: Map<string, number> }> {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', object, 'format', 'raw'], { encoding: 'utf8' });
  const out = new Map<string, { size: number; members: Map<string, number> }>();
  let current: { size: number; members: Map<string, number> } | undefined;
  for (const line of raw.split('\n')) {
    const s = /^\[\d+\] STRUCT '(\w+)' size=(\d+)/.exec(line);
    if (s) {
      current = { size: Number(s[2]), members: new Map() };
      out.set(s[1] as string, current);
      continue;
    }
    const m = /^\s+'(\w+)' type_id=\d+ bits_offset=(\d+)/.exec(line);
    if (m && current) current.members.set(m[1] as string, Number(m[2]) / 8);
    else if (!line.startsWith('\t')) current = undefined;
  }
  return out;
}

const camelToSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

for (const arch of ['x86', 'arm64']) {
  test(`struct layouts match the BTF of fsnotify.${arch}.bpf.o`, () => {
    const structs = btfStructs(`bpf/fsnotify.${arch}.bpf.o`);
    const pairs: Array<[string, Record<string, number>]> = [
      ['dir_key', Layout.dirKey],
      ['dir_stats', Layout.dirStats],
      ['walk_state', Layout.walkState],
      ['slow_walk_event', Layout.slowWalkEvent],
      ['dir_creations', Layout.dirCreations],
      ['dir_actor_key', Layout.dirActorKey],
      ['dir_creator', Layout.dirCreator],
      ['watch_churn', Layout.watchChurn],
    ];
    for (const [name, layout] of pairs) {
      const s = structs.get(name);
      assert.ok(s, `struct ${name} missing from the object's BTF`);
      for (const [field, offset] of Object.entries(layout)) {
        if (field === 'size') assert.equal(s.size, offset, `${name} size`);
        else assert.equal(s.members.get(camelToSnake(field)), offset, `${name}.${camelToSnake(field)}`);
      }
    }
  });
}
