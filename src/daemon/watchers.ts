// The watcher index and the cgroup resolver, started once beside the probes: instrument.ts hands
// `index` (WatcherSource) and `resolver` (CgroupResolver) to the diagnosis and to the collectors
// (watcherIndex, cgroups in CollectorContext), and pushes stop() onto its cleanup.
import type { Logger } from 'pino';
import { CgroupIdResolver } from '../kernel/cgroup/resolver.js';
import { CAP, has, ownCapabilities } from '../kernel/capabilities.js';
import { WatcherIndex } from '../kernel/watcher-index.js';

export interface Watchers {
  resolver: CgroupIdResolver;
  index: WatcherIndex;
  stop(): void;
}

/**
 * `watchChanges`: the sum of the inotify/fanotify add and remove counters (the BPF counters map);
 * a change triggers a rescan. `watchChangesComplete`: every watch-syscall probe is attached, so the
 * minute's rescan can be a check of the holders' fds, and a full scan runs every FULL_SCAN_INTERVAL_MS. Reading other processes' fdinfo needs CAP_SYS_PTRACE in the main
 * thread, also after capabilities are dropped: without it the index stays empty, and this says so.
 */
/** With counters that see every watch add and remove, a full /proc scan this often; between, a check that the holders' fds are open (WatcherIndex.start). */
export const FULL_SCAN_INTERVAL_MS = 600_000;

export function startWatchers(o: { cgroupLabels: boolean; watchChanges: () => number; watchChangesComplete: boolean; logger: Logger; intervalMs?: number }): Watchers {
  const resolver = new CgroupIdResolver({ labels: o.cgroupLabels });
  if (o.cgroupLabels && resolver.mountPoint === undefined) o.logger.warn('no cgroup2 mount in /proc/self/mountinfo: cgroup labels stay empty');
  const index = new WatcherIndex({ identityOfPid: (pid) => resolver.identityOfPid(pid) });
  // start() calls changes() once, synchronously, before daemon.ts drops the capabilities; the first
  // poll's call comes after the drop: the check runs there, once (a poll a second must not read /proc)
  let calls = 0;
  const stop = index.start({
    changes: () => {
      if (++calls === 2 && !has(ownCapabilities().effective, CAP.SYS_PTRACE)) {
        o.logger.warn({ missing: 'CAP_SYS_PTRACE' }, 'watchers: without CAP_SYS_PTRACE the /proc scan cannot read the marks of other users\' processes or of processes with capabilities; grant CAP_SYS_PTRACE');
      }
      return o.watchChanges();
    },
    intervalMs: o.intervalMs,
    fullIntervalMs: o.watchChangesComplete ? FULL_SCAN_INTERVAL_MS : undefined,
    onError: (e) => o.logger.warn({ err: String(e) }, 'watcher scan failed'),
  });
  return { resolver, index, stop };
}
