// Inside the guest (npm run soak): the soak for SOAK_MINUTES, its record in $VM_OUT/soak.json.
import { writeFileSync } from 'node:fs';
import { logger, writeResults } from '../../harness/guest-kit.js';
import { planFor, runSoak } from './soak-run.js';

const log = logger('soak');
// the guest boots with loglevel=3: let errors (the OOM killer, a soft lockup) reach the console
writeFileSync('/proc/sys/kernel/printk', '4');
try {
  const r = await runSoak(planFor(Number(process.env.SOAK_MINUTES ?? 30), log));
  writeResults('soak.json', r);
  log('done');
} catch (e) {
  writeResults('soak.json', { error: String((e as Error)?.stack ?? e) });
  process.exit(1);
}
