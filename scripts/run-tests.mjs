// node --test on Node 20 takes every .js under a test/ directory as a test file; this passes only
// the *.test.js files of the given suite: "unit" (everything but the guests), "e2e", or "systemd"
// (the package on a Debian guest booted with systemd, test/systemd-guest/).
// e2e runs the x86 guests; `--arch arm64` (or E2E_ARCH=arm64) runs the arm64 guests instead
// (test/e2e/arm64.test.ts, docs/arm64.md), `--arch all` both. Other arguments go to node --test.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const suite = process.argv[2] ?? 'unit';
const rest = process.argv.slice(3);
let arch = process.env.E2E_ARCH ?? 'x86';
const at = rest.findIndex((a) => a === '--arch' || a.startsWith('--arch='));
if (at >= 0) {
  const [flag] = rest.splice(at, rest[at] === '--arch' ? 2 : 1);
  arch = flag === '--arch' ? process.argv[3 + at + 1] : flag.slice('--arch='.length);
}
if (!['x86', 'arm64', 'all'].includes(arch)) {
  process.stderr.write(`run-tests: unknown --arch ${arch} (x86, arm64, all)\n`);
  process.exit(2);
}
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
};
walk('dist/test');
const isE2e = (f) => f.startsWith('dist/test/e2e/');
const isSystemd = (f) => f.startsWith('dist/test/systemd-guest/');
const isArm64 = (f) => /^dist\/test\/e2e\/arm64[^/]*\.test\.js$/.test(f);
const inArch = (f) => (arch === 'all' ? true : arch === 'arm64' ? isArm64(f) : !isArm64(f));
const inSuite = { e2e: (f) => isE2e(f) && inArch(f), systemd: isSystemd, unit: (f) => !isE2e(f) && !isSystemd(f) }[suite];
if (!inSuite) {
  process.stderr.write(`run-tests: unknown suite ${suite} (unit, e2e, systemd)\n`);
  process.exit(2);
}
const chosen = files.filter(inSuite).sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...rest, ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
