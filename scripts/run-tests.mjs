// node --test on Node 20 takes every .js under a test/ directory as a test file; this passes only
// the *.test.js files of the given suite: "unit" (everything but e2e) or "e2e".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const suite = process.argv[2] ?? 'unit';
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
};
walk('dist/test');
const chosen = files.filter((f) => (suite === 'e2e' ? f.startsWith('dist/test/e2e/') : !f.startsWith('dist/test/e2e/'))).sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(3), ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
