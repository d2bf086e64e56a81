// node --expose-gc [the launcher's flags] dist/bench/module-footprint.js: what each of the daemon's
// dependencies adds to a bare node's RSS, imported one after another in the daemon's order, each
// figure after two full GCs (RssAnon: heap and malloc; RssFile: pages of the node binary and the
// shared libraries touched). Prints one JSON array.
import { readFileSync } from 'node:fs';

const STEPS: Array<[string, () => Promise<unknown>]> = [
  ['commander', () => import('commander')],
  ['pino', () => import('pino')],
  ['koffi', () => import('koffi')],
  ['libbpf bindings (src/bpf/libbpf.js)', () => import('../src/bpf/libbpf.js')],
  ['fastify', () => import('fastify')],
  ['the rest of the daemon (src/daemon/daemon.js)', () => import('../src/daemon/daemon.js')],
];

const gc = (globalThis as { gc?: () => void }).gc;
function sample() {
  gc?.();
  gc?.();
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) / 1024;
  return { rssMb: kb('VmRSS'), anonMb: kb('RssAnon'), fileMb: kb('RssFile'), heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

const out = [{ module: 'bare node', ...sample() }];
for (const [name, load] of STEPS) {
  await load();
  await new Promise((r) => setTimeout(r, 200));
  out.push({ module: name, ...sample() });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
