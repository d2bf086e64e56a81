// C and TypeScript meet by name: every program of the probe table, every map and every rodata
// variable the daemon uses must be in both objects, and every program in the objects in the table.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { MAP_NAMES, RODATA_NAMES } from '../../src/bpf/abi.js';
import { BpfObject } from '../../src/bpf/object.js';
import { PROGRAM_NAMES } from '../../src/bpf/probes.js';

/** The names the TypeScript side uses that `object` lacks, and the programs it has that the table lacks. */
export function nameDrift(object: string, used = { programs: PROGRAM_NAMES, maps: MAP_NAMES as readonly string[], rodata: RODATA_NAMES as readonly string[] }) {
  const obj = BpfObject.open(object);
  try {
    const programs = obj.programs().map((p) => p.name);
    const btf = execFileSync('bpftool', ['btf', 'dump', 'file', object, 'format', 'raw'], { encoding: 'utf8' });
    const vars = new Set([...btf.matchAll(/^\[\d+\] VAR '(\w+)'/gm)].map((m) => m[1]));
    return {
      missingPrograms: used.programs.filter((p) => !programs.includes(p)),
      untabledPrograms: programs.filter((p) => !used.programs.includes(p)),
      missingMaps: used.maps.filter((m) => !vars.has(m)),
      missingRodata: used.rodata.filter((r) => !vars.has(r)),
    };
  } finally {
    obj.close();
  }
}

const CLEAN = { missingPrograms: [], untabledPrograms: [], missingMaps: [], missingRodata: [] };

for (const arch of ['x86', 'arm64'])
  test(`every program, map and rodata name matches fsnotify.${arch}.bpf.o`, () => {
    assert.deepEqual(nameDrift(`bpf/fsnotify.${arch}.bpf.o`), CLEAN);
  });

test('a drifted name is caught', () => {
  const drift = nameDrift('bpf/fsnotify.x86.bpf.o', { programs: [...PROGRAM_NAMES.filter((p) => p !== 'walk_exit_fexit'), 'walk_exit_fexit_renamed'], maps: [...MAP_NAMES, 'dir_stat'], rodata: ['children_scan_limit'] });
  assert.deepEqual(drift, { missingPrograms: ['walk_exit_fexit_renamed'], untabledPrograms: ['walk_exit_fexit'], missingMaps: ['dir_stat'], missingRodata: ['children_scan_limit'] });
});
