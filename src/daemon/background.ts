// What runs beside the server once the probes are attached, each returning its stop(): the
// slow-walk ring drained on a timer, the in-flight walk checker; and the probe status in the log.
import type { Logger } from 'pino';
import { decodeDirStats, encodeDirKey } from '../bpf/abi.js';
import type { AttachResult } from '../bpf/attach-plan.js';
import type { BpfObject } from '../bpf/object.js';
import { NearLockupChecker } from '../collect/near-lockup.js';
import type { SlowWalkStore } from '../collect/slow-walks.js';
import { inFlightFromBatches, type LiveWalks } from '../collect/snapshot.js';
import { StaleWalks, dropIfStillThere } from '../collect/stale-walks.js';
import { preemptModel } from '../kernel/preempt-model.js';
import { inInitialPidNamespace, readThreadState } from '../kernel/thread-state.js';
import { everyShared } from '../shared-interval.js';

/**
 * Slow-walk events are rare and counted when lost. The ring is drained once a second while none
 * come (an idle daemon's wakeups are its CPU), every 250 ms from a drain that found some until
 * four in a row find none: the 256 KiB ring holds ~700 records, a second of a host with 35 CPUs
 * each in a 50 ms walk, and ~2,800 a second once busy.
 */
export const RING_DRAIN = { quietMs: 1000, busyMs: 250, emptyDrainsToQuiet: 4 };

/** Calls `drain` (it returns the records it took) on RING_DRAIN's quiet or busy period. Returns stop(). */
export function drainAdaptively(drain: () => number): () => void {
  let period = RING_DRAIN.quietMs;
  let empty = 0;
  const tick = () => {
    const n = drain();
    empty = n > 0 ? 0 : empty + 1;
    const next = n > 0 ? RING_DRAIN.busyMs : empty >= RING_DRAIN.emptyDrainsToQuiet ? RING_DRAIN.quietMs : period;
    if (next === period) return;
    stop();
    period = next;
    stop = everyShared(period, tick);
  };
  let stop = everyShared(period, tick);
  return () => stop();
}

export function drainSlowWalks(obj: BpfObject, store: SlowWalkStore): () => void {
  const ring = obj.ringBuffer('events', store.onRecord);
  const stop = drainAdaptively(() => ring.poll());
  return () => {
    stop();
    ring.poll();
    ring.close();
  };
}

/** Drops walks_in_flight entries whose thread has left the walk (its exit was missed) and counts them. */
export function staleWalks(obj: BpfObject, logger: Logger, onStale: () => void): StaleWalks {
  const map = obj.map('walks_in_flight');
  const enabled = inInitialPidNamespace();
  if (!enabled) logger.warn('not in the initial pid namespace: walks whose exit was missed stay in the in-flight gauges (needs hostPID)');
  return new StaleWalks({
    thread: readThreadState,
    sleepEndsWalk: preemptModel().model !== 'rt',
    enabled,
    drop: (tid, w) => dropIfStillThere(map, tid, w),
    onStale: (tid, w) => {
      onStale();
      logger.debug({ tid, start_ns: w.startNs.toString() }, 'dropped an in-flight walk whose thread has left it');
    },
  });
}

/** Reads the walks in flight and reports one running past ratio x the soft-lockup threshold. */
export function nearLockupChecker(
  obj: BpfObject,
  o: { threshold: () => number; ratio: number; pathLabels: boolean; logger: Logger; onNearLockup: () => void; liveWalks: LiveWalks },
): NearLockupChecker {
  const inFlight = obj.map('walks_in_flight');
  const dirStats = obj.map('dir_stats');
  return new NearLockupChecker({
    thresholdSeconds: o.threshold,
    ratio: o.ratio,
    logger: o.logger,
    // into the last check's buffers: not 23 KB of fresh batch buffers a second
    inFlight: () => o.liveWalks(inFlightFromBatches(inFlight.batches({ reuse: true }), inFlight.valueBytes)),
    pathOf: (w) => {
      if (!o.pathLabels) return '';
      const v = dirStats.lookup(encodeDirKey(w.dir));
      return v ? decodeDirStats(v).path : '';
    },
    onNearLockup: o.onNearLockup,
  });
}

export function logProbeStatus(attach: AttachResult, logger: Logger): void {
  for (const p of attach.probes) {
    if (p.attached)
      logger.info({ probe: p.probe, mechanism: p.mechanism, target: p.target, note: p.note }, `probe ${p.probe}: attached as ${p.mechanism} on ${p.target}${p.note ? ` (${p.note})` : ''}`);
    else if (p.off) logger.info({ probe: p.probe, target: p.target, reason: p.error }, `probe ${p.probe}: ${p.error}`);
    else logger.warn({ probe: p.probe, mechanism: p.mechanism, target: p.target, reason: p.error }, `probe ${p.probe}: not attached (${p.mechanism} on ${p.target}): ${p.error}`);
  }
  logger.info({ lock_wait_mechanism: attach.lockWaitMechanism }, `lock waits measured with: ${attach.lockWaitMechanism}`);
}
