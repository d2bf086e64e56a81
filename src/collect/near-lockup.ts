// Watches walks while they run: a walk whose age passes near_softlockup.ratio of the soft-lockup
// threshold is logged at error level and counted once, before it ends (and before the watchdog fires).
import type { Logger } from 'pino';
import { formatDevice, type WalkState } from '../bpf/abi.js';
import { everyShared } from '../shared-interval.js';

export interface NearLockupOptions {
  thresholdSeconds: () => number;
  ratio: number;
  logger: Logger;
  /** the walks in flight now, read straight from the map */
  inFlight: () => WalkState[];
  pathOf: (w: WalkState) => string;
  onNearLockup: () => void;
  now?: () => bigint;
}

export class NearLockupChecker {
  private readonly reported = new Set<string>();

  constructor(private readonly o: NearLockupOptions) {}

  /** One check; returns the walks reported by it. */
  check(): WalkState[] {
    const now = (this.o.now ?? process.hrtime.bigint)();
    // a walk whose exit probe has begun has ended, though its entry is still in the map
    const walks = this.o.inFlight().filter((w) => !w.exiting);
    const reportedNow: WalkState[] = [];
    if (walks.length === 0) {
      this.reported.clear();
      return reportedNow; // the common case: no /proc reads for the threshold
    }
    const threshold = this.o.thresholdSeconds();
    const limit = threshold * this.o.ratio;
    const live = new Set<string>();
    for (const w of walks) {
      const key = `${w.startNs}:${w.inode}`;
      live.add(key);
      const ageSeconds = Number(now - w.startNs) / 1e9;
      if (ageSeconds < limit || this.reported.has(key)) continue;
      this.reported.add(key);
      reportedNow.push(w);
      this.o.onNearLockup();
      this.o.logger.error(
        {
          event: 'near_softlockup',
          age_seconds: ageSeconds,
          // the walk's CLOCK_MONOTONIC start, as its slow_walk line has it: age and duration on one clock
          start_ns: w.startNs.toString(),
          softlockup_threshold_seconds: threshold,
          ratio: this.o.ratio,
          device: formatDevice(w.dir.dev),
          inode: w.dir.ino.toString(),
          path: this.o.pathOf(w),
          trigger: w.trigger,
          syscall: w.syscall,
          concurrent_walkers: w.concurrentWalkers,
          children: { positive: Number(w.children[0]), negative: Number(w.children[1]) },
        },
        `fsnotify walk running for ${ageSeconds.toFixed(2)} s, past ${this.o.ratio} of the ${threshold} s soft-lockup threshold`,
      );
    }
    for (const key of this.reported) if (!live.has(key)) this.reported.delete(key);
    return reportedNow;
  }

  start(intervalMs: number): () => void {
    return everyShared(intervalMs, () => {
      try {
        this.check();
      } catch (e) {
        this.o.logger.warn({ err: String(e) }, 'near-lockup check failed');
      }
    });
  }
}
