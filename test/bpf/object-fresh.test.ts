// The committed objects must be built from the committed sources (npm run build:bpf).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('bpf/SOURCES.sha256 matches the sources: rebuild with npm run build:bpf', () => {
  const recorded = readFileSync('bpf/SOURCES.sha256', 'utf8').trim();
  const now = execFileSync('bash', ['bpf/sources-hash.sh'], { encoding: 'utf8' }).trim();
  assert.equal(now, recorded, 'bpf sources changed since the objects were built: run npm run build:bpf and commit the objects');
});

test('both objects are BPF ELF files with BTF for CO-RE', () => {
  for (const arch of ['x86', 'arm64']) {
    const obj = readFileSync(`bpf/fsnotify.${arch}.bpf.o`);
    assert.equal(obj.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.equal(obj.readUInt16LE(18), 247, 'e_machine EM_BPF');
    assert.ok(obj.includes('.BTF.ext'), 'CO-RE relocations need .BTF.ext');
  }
});
