// The objects against the BTF of every kernel in the support matrix (README), without booting one:
// each kernel's BTF is cut from its Debian package (kernel-btf.sh), the probe plan is made from what
// that BTF says the kernel has, and the chosen kprobe and tracepoint programs are relocated against
// it and verified here. A CO-RE relocation that no flavour resolves fails the load with its name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planProbes, type KernelFacts } from '../../src/bpf/attach-plan.js';
import { LibbpfError, verifierReason } from '../../src/bpf/errors.js';
import { BpfObject } from '../../src/bpf/object.js';
import { WALK_FUNCTIONS } from '../../src/kernel/kallsyms.js';

const CACHE = process.env.BTF_CACHE ?? '.cache/btf';
const matrix = execFileSync('bash', ['test/bpf/kernel-btf.sh', CACHE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim()
  .split('\n')
  .map((l) => l.split(' ') as [string, string, string]);

/** What a kernel has, read from the names in its BTF's string table (a name is there only if a type, function or enumerator uses it). */
export function factsFromBtf(btf: Buffer): KernelFacts {
  const has = (name: string) => btf.includes(`\0${name}\0`);
  return {
    symbols: { has, range: () => undefined, addressesVisible: false },
    walkFunction: WALK_FUNCTIONS.find(has),
    kprobes: true,
    features: { bpfLoop: has('BPF_FUNC_loop'), fentry: () => ({ ok: false, reason: 'not probed offline' }) },
    // lock:contention_* have their record type in BTF; the syscall tracepoints are on every kernel here
    tracepoint: (category, event) => category !== 'lock' || has(`trace_event_raw_${event}`),
  };
}

test('the matrix covers 5.10, 6.1, 6.12, the newest 6.x and 7.x on both architectures', () => {
  const names = matrix.map(([n]) => n);
  for (const arch of ['x86', 'arm64']) for (const k of ['5.10', '6.1', '6.12', '6.x', '7.x']) assert.ok(names.includes(`${arch}-${k}`), `${arch}-${k} missing`);
});

for (const [name, pkg, btfPath] of matrix) {
  const arch = name.split('-')[0] as string;
  test(`${name} (${pkg}): every chosen program relocates and verifies`, () => {
    const facts = factsFromBtf(readFileSync(btfPath));
    assert.ok(facts.walkFunction, 'no walk function in the BTF');
    const choices = planProbes(facts, { mechanism: 'kprobe', parentCalls: true });
    for (const c of choices) assert.ok(c.variant, `${c.spec.id}: nothing to load (${c.passedOver.join('; ')})`);
    const walk = choices.find((c) => c.spec.id === 'walk')?.variant;
    assert.equal(walk?.childScan, facts.features.bpfLoop ? 'bpf_loop' : 'bounded');
    const programs = new Set(choices.flatMap((c) => [c.variant, c.fallback].flatMap((v) => v?.programs ?? [])));
    const obj = BpfObject.open(`bpf/fsnotify.${arch}.bpf.o`, { btfCustomPath: btfPath });
    try {
      for (const p of obj.programs()) obj.setAutoload(p.name, programs.has(p.name));
      try {
        obj.load();
      } catch (e) {
        assert.fail(e instanceof LibbpfError ? `${e.message}: ${verifierReason(e.log)}` : String(e));
      }
      for (const p of programs) assert.ok(obj.programFd(p) > 0, `${p} not loaded`);
    } finally {
      obj.close();
    }
  });
}
