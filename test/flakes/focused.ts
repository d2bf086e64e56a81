// node dist/test/flakes/focused.js [--kernel oldfsnotify] [--loops 10]: the formerly timing-bound
// e2e checks (test/e2e/race-checks.ts), each run --loops times in a row inside one guest boot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { CACHE } from '../../harness/guest/kernels.js';
import { runInVm } from '../../harness/guest/vm.js';
import type { Check } from '../e2e/race-checks.js';

const o = new Command('focused').option('--kernel <name>', 'guest kernel', 'oldfsnotify').option('--loops <n>', 'runs of each check', '10').parse().opts<{ kernel: string; loops: string }>();
const outDir = join(CACHE, `flakes-${o.kernel.replace(/[^\w.-]/g, '_')}`);
const vm = await runInVm({ kernel: o.kernel, command: `FLAKES_LOOPS=${Number(o.loops)} node dist/test/flakes/focused-guest.js`, outDir, timeoutSec: 5400 });
const file = join(outDir, 'focused.json');
if (!existsSync(file)) {
  process.stderr.write(`focused: no results (guest exit ${vm.status}); console: ${vm.consolePath}\n`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8')) as { kernel: string; loops: number; runs: Array<Record<string, Check>>; error?: string };
const names = Object.keys(r.runs[0] ?? {});
let failed = r.error !== undefined || r.runs.length < r.loops;
for (const name of names) {
  const green = r.runs.filter((run) => run[name]?.failures.length === 0).length;
  if (green < r.runs.length) failed = true;
  process.stdout.write(`${name}: ${green} of ${r.runs.length} green; ${JSON.stringify(r.runs.map((run) => run[name]?.report))}\n`);
}
if (r.error) process.stdout.write(`error: ${r.error}\n`);
process.stdout.write(`${r.kernel}: ${r.runs.length} of ${r.loops} loops in ${(vm.durationMs / 1000).toFixed(0)} s${failed ? ': FAILED' : ''}\n`);
process.exit(failed ? 1 : 0);
