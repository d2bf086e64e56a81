// The soft-lockup threshold: the watchdog reports a CPU stuck for more than 2 x kernel.watchdog_thresh.
import { readFileSync } from 'node:fs';

/** Used when the soft-lockup watchdog is off or unreadable: the kernel's default (2 x 10 s). */
export const DEFAULT_SOFTLOCKUP_THRESHOLD_SECONDS = 20;

export interface SoftlockupThreshold {
  seconds: number;
  source: 'watchdog_thresh' | 'default';
  reason?: string;
}

function readNumber(path: string): number | undefined {
  try {
    const v = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function readSoftlockupThreshold(procSysKernel = '/proc/sys/kernel'): SoftlockupThreshold {
  const thresh = readNumber(`${procSysKernel}/watchdog_thresh`);
  const soft = readNumber(`${procSysKernel}/soft_watchdog`);
  if (thresh === undefined)
    return { seconds: DEFAULT_SOFTLOCKUP_THRESHOLD_SECONDS, source: 'default', reason: 'watchdog_thresh unreadable' };
  if (thresh === 0 || soft === 0)
    return { seconds: DEFAULT_SOFTLOCKUP_THRESHOLD_SECONDS, source: 'default', reason: 'soft-lockup watchdog disabled' };
  return { seconds: 2 * thresh, source: 'watchdog_thresh' };
}
