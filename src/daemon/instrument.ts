// The composition root of the BPF side: preflight, the attach plan, the collectors and the
// background tasks, each stopped by close(), which is safe to call more than once and on every exit path.
import type { Logger } from 'pino';
import { perTurn } from '../collect/per-turn.js';
import type { Exposition } from '../collect/exposition.js';
import { attachAll, childrenScanLimit, type AttachResult } from '../bpf/attach-plan.js';
import type { Options } from '../config/options.js';
import { BOUNDED_MAPS } from '../bpf/abi.js';
import { libbpfVersion } from '../bpf/libbpf.js';
import type { DaemonCounts } from '../collect/collector.js';
import { registerCollectors } from '../collect/registry.js';
import type { NearLockupChecker } from '../collect/near-lockup.js';
import { BpfCreatorSource } from '../collect/root-cause.js';
import { SlowWalkStore } from '../collect/slow-walks.js';
import { SnapshotCache, type BpfMapsReader, type RootCauseMap, type Snapshot } from '../collect/snapshot.js';
import { assembleDiagnosis, directoryCounts, type DiagnosisLimits, type DiagnosisSources } from '../diagnosis/assemble.js';
import { walkedDirectories } from '../diagnosis/walked.js';
import type { CreatorSource } from '../diagnosis/model.js';
import type { DirectorySource } from '../server/types.js';
import { WATCH_COUNTERS } from '../bpf/abi.js';
import { startWatchers } from './watchers.js';
import { CAP, has, ownCapabilities } from '../kernel/capabilities.js';
import { readDentryState } from '../kernel/dentry-state.js';
import { readKallsyms, PARENT_FUNCTION } from '../kernel/kallsyms.js';
import { readKernelInfo, type KernelInfo } from '../kernel/kernel-info.js';
import { watchKmsg } from '../kernel/kmsg.js';
import { readSoftlockupThreshold } from '../kernel/watchdog.js';
import { drainSlowWalks, logProbeStatus, nearLockupChecker, staleWalks } from './background.js';
import { preflight } from './preflight.js';
import { resolveObjectPath } from './resolve-object.js';

export interface Instrumentation {
  attach: AttachResult;
  kernel: KernelInfo;
  slowWalks: SlowWalkStore;
  nearLockup: NearLockupChecker;
  /** the root-cause diagnosis behind /api/v1/directories and the landing page */
  directories: DirectorySource;
  /** dentry creators, watch churn and waits per cgroup from the BPF maps (issue 16) */
  creators: CreatorSource;
  close(): void;
}

/** creators, watchers, watch changes and stalled workloads shown per directory */
const DIAGNOSIS_LIST_LIMIT = 10;

function mapsReader(obj: AttachResult['object']): BpfMapsReader {
  return {
    perCpuArraySums: (name) => obj.map(name).perCpuArraySums(),
    entries: (name) => obj.map(name).entries(),
    batches: (name) => obj.map(name).batches({ reuse: true }),
    capacity: (name) => obj.map(name).maxEntries,
  };
}

/** The probes whose programs write each root-cause map (cgroup_waits: the lock waits, with --creators=on). */
const ROOT_CAUSE_WRITERS: Record<RootCauseMap, string> = { dir_creations: 'creators_', dir_creators: 'creators_', watch_churn: 'churn_', cgroup_waits: 'lock_wait_' };

/** Fixed once attached; asked per map per scrape, and per directory (the creator source's `enabled`). */
function rootCauseWritten(attach: AttachResult, cgroupWaits: boolean): (name: RootCauseMap) => boolean {
  const written = new Map<RootCauseMap, boolean>();
  return (name) => {
    let w = written.get(name);
    if (w === undefined) written.set(name, (w = (name !== 'cgroup_waits' || cgroupWaits) && attach.probes.some((p) => p.attached && p.probe.startsWith(ROOT_CAUSE_WRITERS[name]))));
    return w;
  };
}

export function instrument(registry: Exposition, o: Options, version: string, logger: Logger): Instrumentation {
  const symbols = readKallsyms();
  const kernel = readKernelInfo(symbols);
  preflight(kernel);
  const objectPath = resolveObjectPath(o.bpf.object);
  const parent = symbols.range(PARENT_FUNCTION);
  const hasSyslog = has(ownCapabilities().effective, CAP.SYSLOG);
  if (!parent)
    logger.warn(
      { missing: hasSyslog ? undefined : 'CAP_SYSLOG' },
      hasSyslog
        ? 'kernel addresses are hidden (kernel.kptr_restrict=2?): every walk will count as trigger watch_change'
        : 'kernel addresses are hidden without CAP_SYSLOG: every walk will count as trigger watch_change; grant CAP_SYSLOG',
    );

  const attach = attachAll({
    objectPath,
    mechanism: o.bpf.mechanism,
    walkFunction: kernel.walkFunction!,
    parentCalls: o.parentCalls,
    creators: o.creators === 'on',
    symbols,
    logger,
    rodata: {
      children_scan_cap: o.childrenScan.cap,
      children_scan_budget: o.childrenScan.budget,
      children_scan_interval_ns: BigInt(o.childrenScan.intervalMs) * 1_000_000n,
      slow_walk_threshold_ns: BigInt(o.slowWalk.thresholdMs) * 1_000_000n,
      parent_func_start: parent?.start ?? 0n,
      parent_func_end: parent?.end ?? 0n,
      cgroup_waits_on: o.creators === 'on' ? 1 : 0,
    },
  });
  const obj = attach.object;
  const stops: Array<() => void> = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const stop of stops.reverse()) {
      try {
        stop();
      } catch (e) {
        logger.warn({ err: String(e) }, 'cleanup step failed');
      }
    }
    obj.close();
  };

  try {
    logProbeStatus(attach, logger);

    const reader = mapsReader(obj);
    const capacities = new Map<string, number>();
    for (const name of BOUNDED_MAPS)
      capacities.set(name, reader.capacity(name));
    const counts: DaemonCounts = { nearSoftlockups: 0, softlockups: { inWalk: 0, notInWalk: 0 }, staleWalksInFlight: 0 };
    const stale = staleWalks(obj, logger, () => counts.staleWalksInFlight++);
    const liveWalks = stale.live.bind(stale);
    const threshold = () => readSoftlockupThreshold().seconds;
    const slowWalks = new SlowWalkStore(o.slowWalk.maxEvents, logger, o.pathLabels);
    const written = rootCauseWritten(attach, o.creators === 'on');
    const maps = new SnapshotCache(reader, liveWalks, written);
    // polled every second: the counters array alone, not a whole snapshot of every map
    const watchChanges = () => {
      const counters = reader.perCpuArraySums('counters');
      return WATCH_COUNTERS.reduce((n, { counter }) => n + (counters[counter] ?? 0), 0);
    };
    const watchProbes = attach.probes.filter((p) => p.probe.startsWith('watch_'));
    const watchChangesComplete = watchProbes.length > 0 && watchProbes.every((p) => p.attached);
    const watchers = startWatchers({ cgroupLabels: o.cgroupLabels, watchChanges, watchChangesComplete, logger });
    stops.push(watchers.stop);
    const walked = (s: Snapshot) => walkedDirectories(s, o.topDirectories); // one function: derive() memoizes by it
    // a dentry-creator probe attached (off with --creators=off or on a kernel lacking them all)
    const creators = new BpfCreatorSource(maps, () => written('dir_creators'));
    const sources: DiagnosisSources = {
      walked: () => maps.derive(walked),
      creators,
      watchers: watchers.index,
      cgroups: watchers.resolver,
    };
    const limits: DiagnosisLimits = { directories: o.topDirectories, perList: DIAGNOSIS_LIST_LIMIT, paths: o.pathLabels };
    stops.push(
      registerCollectors(registry, {
        maps,
        cgroups: watchers.resolver,
        watcherIndex: watchers.index,
        directoryCounts: perTurn(() => directoryCounts(sources, limits)),
        capacities,
        topDirectories: o.topDirectories,
        pathLabels: o.pathLabels,
        kernel,
        version,
        libbpfVersion: libbpfVersion(),
        dentryState: readDentryState,
        softlockupThresholdSeconds: threshold,
        probes: () => attach.probes,
        lockWaitMechanism: () => attach.lockWaitMechanism,
        childrenScan: () => ({ scan: attach.childScan, limit: childrenScanLimit(attach.childScan, o.childrenScan.cap) }),
        programStats: perTurn(() => attach.attachedPrograms.map((program) => ({ program, ...obj.programInfo(program) }))),
        slowWalkEvents: slowWalks,
        counts,
      }),
    );

    stops.push(drainSlowWalks(obj, slowWalks));
    const nearLockup = nearLockupChecker(obj, { threshold, ratio: o.nearSoftlockup.ratio, pathLabels: o.pathLabels, logger, onNearLockup: () => counts.nearSoftlockups++, liveWalks });
    // only the walk entry programs write walks_in_flight: without them the check has nothing to find
    if (attach.probes.some((p) => p.probe === 'walk_entry' && p.attached)) stops.push(nearLockup.start(o.nearSoftlockup.checkIntervalMs));
    stops.push(watchKmsg(logger, (r) => (r.inWalk ? counts.softlockups.inWalk++ : counts.softlockups.notInWalk++)));

    const directories: DirectorySource = { list: () => assembleDiagnosis(sources, limits) };
    return { attach, kernel, slowWalks, nearLockup, directories, creators, close };
  } catch (e) {
    close();
    throw e;
  }
}
