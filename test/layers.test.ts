// Data flows one way (docs/architecture.md): kernel and bpf → collect → server. An import that runs
// back up the layers fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from './source-files.js';

/** folder under src → folders under src it must not import from */
const FORBIDDEN: Record<string, string[]> = {
  kernel: ['bpf', 'collect', 'server', 'daemon', 'config'],
  bpf: ['collect', 'server', 'daemon', 'config'],
  collect: ['server', 'daemon', 'config'],
  diagnosis: ['server', 'daemon', 'config'],
  server: ['bpf', 'kernel', 'daemon'],
};


/** The src folders a file imports from (relative specifiers only, `import type` included). */
export function importedLayers(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specifiers.map((s) => relative('src', resolve(dirname(file), s)).split('/')[0] as string);
}

test('the import check sees through type-only and re-exporting imports', () => {
  const text = "import type { SlowWalk } from '../server/types.js';\nexport { x } from '../daemon/y.js';\nimport { z } from './local.js';\n";
  assert.deepEqual(importedLayers('src/collect/x.ts', text), ['server', 'daemon', 'collect']);
});

test('no file under src imports from a layer above its own', () => {
  const offences: string[] = [];
  for (const file of sourceFiles('src')) {
    const layer = relative('src', file).split('/')[0] as string;
    for (const to of importedLayers(file, readFileSync(file, 'utf8'))) if (FORBIDDEN[layer]?.includes(to)) offences.push(`${file} imports from src/${to}`);
  }
  assert.deepEqual(offences, []);
});
