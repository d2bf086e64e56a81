// npm run soak -- [--minutes 30] [--kernel oldfsnotify] [--out DIR]
// One guest on the old-behaviour kernel under the soak (soak-run.ts); the pass criteria
// (soak-check.ts) on what it recorded. Not part of npm test or the e2e suite: docs/reliability.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { CACHE } from '../../harness/guest/kernels.js';
import { runInVm } from '../../harness/guest/vm.js';
import { checkSoak } from './soak-check.js';
import type { SoakResults } from './soak-results.js';

const positive = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return Number(v);
};

const o = new Command('soak')
  .option('--minutes <n>', 'how long the daemon is soaked', positive, 30)
  .option('--kernel <name>', 'guest kernel (harness/guest/kernels.ts)', 'oldfsnotify')
  .option('--out <dir>', 'where soak.json, the daemon logs and the console go')
  .parse()
  .opts<{ minutes: number; kernel: string; out?: string }>();

const outDir = o.out ?? join(CACHE, `soak-${o.kernel.replace(/[^\w.-]/g, '_')}`);
const vm = await runInVm({
  kernel: o.kernel,
  command: `SOAK_MINUTES=${o.minutes} node dist/test/soak/soak-guest.js`,
  outDir,
  // boot, setup and six daemon starts under TCG on a shared host: 30 minutes beyond the soak
  timeoutSec: o.minutes * 60 + 1800,
});
const file = join(outDir, 'soak.json');
if (!existsSync(file)) {
  process.stderr.write(`soak: no soak.json (guest exit ${vm.status}); console: ${vm.consolePath}\n`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8')) as SoakResults;
const { failures, figures } = checkSoak(r, readFileSync(vm.consolePath, 'utf8'));
process.stdout.write(`${JSON.stringify({ ...figures, vmSeconds: vm.durationMs / 1000, outDir }, null, 1)}\n`);
for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
process.stdout.write(failures.length === 0 ? 'soak: pass\n' : `soak: ${failures.length} failures\n`);
process.exit(failures.length === 0 && vm.status === 0 ? 0 : 1);
