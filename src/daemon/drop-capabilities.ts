// After attaching, keep only what reading the maps needs on this kernel (usually nothing).
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { capName, dropCapabilities, neededAfterAttach, ownCapabilities } from '../kernel/capabilities.js';
import { ExitCode, FatalError } from '../errors.js';

function unprivilegedBpfDisabled(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim());
  } catch {
    return 1;
  }
}

export function dropCapabilitiesAfterAttach(release: string, logger: Logger): void {
  const keep = neededAfterAttach(release, unprivilegedBpfDisabled(), ownCapabilities().effective);
  try {
    const r = dropCapabilities(keep);
    logger.info(
      { kept: r.kept, dropped: r.dropped, cap_eff: r.after.effective.toString(16).padStart(16, '0'), other_threads_with_capabilities: r.threadsStillCapable },
      r.kept.length ? `capabilities dropped after attaching; kept ${r.kept.join(', ')}` : 'capabilities dropped after attaching; none kept',
    );
  } catch (e) {
    // Running on with capabilities the operator asked us to drop would be a silent downgrade.
    throw new FatalError(ExitCode.PRIVILEGE, `could not drop capabilities after attaching: ${(e as Error).message}`, `pass --capabilities.keep to run with them (kept would be: ${keep.map(capName).join(', ') || 'none'})`);
  }
}
