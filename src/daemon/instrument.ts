// The BPF side of the daemon: checks the kernel, loads and attaches the object, registers the
// metrics that read its maps, drains the ring buffer and watches in-flight walks. close() undoes
// all of it; it is safe to call more than once and on every exit path.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { perTurn } from '../collect/per-turn.js';
import type { Exposition } from '../collect/exposition.js';
import { attachAll, type AttachResult } from '../bpf/attach-plan.js';
import { decodeWalkState, encodeDirKey, decodeDirStats, SCAN_BOUNDED_MAX, SCAN_BOUNDED_STEP, type WalkState } from '../bpf/abi.js';
import { libbpfVersion } from '../bpf/libbpf.js';
import type { DaemonCounts } from '../collect/collector.js';
import { registerCollectors } from '../collect/registry.js';
import { NearLockupChecker } from '../collect/near-lockup.js';
import { SlowWalkStore } from '../collect/slow-walks.js';
import { SnapshotCache, type BpfMapsReader } from '../collect/snapshot.js';
import { ExitCode, FatalError } from '../errors.js';
import { capName, CAP, has, missingForAttach, ownCapabilities } from '../kernel/capabilities.js';
import { readDentryState } from '../kernel/dentry-state.js';
import { readKallsyms, PARENT_FUNCTION } from '../kernel/kallsyms.js';
import { readKernelInfo, VMLINUX_BTF, type KernelInfo } from '../kernel/kernel-info.js';
import { watchKmsg } from '../kernel/kmsg.js';
import { readSoftlockupThreshold } from '../kernel/watchdog.js';
import { resolveObjectPath } from './resolve-object.js';

export interface InstrumentOptions {
  objectPath?: string;
  mechanism: 'auto' | 'fentry' | 'kprobe';
  childrenScanCap: number;
  childrenScanIntervalMs: number;
  slowWalkThresholdMs: number;
  slowWalkMaxEvents: number;
  topDirectories: number;
  pathLabels: boolean;
  parentCalls: boolean;
  nearSoftlockupRatio: number;
  nearSoftlockupCheckIntervalMs: number;
  version: string;
}

export interface Instrumentation {
  attach: AttachResult;
  kernel: KernelInfo;
  slowWalks: SlowWalkStore;
  nearLockup: NearLockupChecker;
  close(): void;
}

/** Slow-walk events are rare and counted when lost: 4 wakeups a second keep an idle daemon idle. */
const RING_POLL_MS = 250;

function mapsReader(obj: AttachResult['object']): BpfMapsReader {
  return {
    perCpuArraySums: (name) => obj.map(name).perCpuArraySums(),
    entries: (name) => obj.map(name).entries(),
    capacity: (name) => obj.map(name).maxEntries,
  };
}

/** What preflight reads from this machine besides the kernel info. */
export interface PreflightHost {
  bpfSyscall: boolean;
  effectiveCapabilities: bigint;
  uid: number | undefined;
}

const thisHost = (): PreflightHost => ({
  bpfSyscall: existsSync('/sys/fs/bpf') || existsSync('/proc/sys/kernel/unprivileged_bpf_disabled'),
  effectiveCapabilities: ownCapabilities().effective,
  uid: process.getuid?.(),
});

/** Facts that make loading pointless, checked before libbpf is touched. */
export function preflight(kernel: KernelInfo, host: PreflightHost = thisHost()): void {
  if (!kernel.btf)
    throw new FatalError(ExitCode.KERNEL, `the kernel has no BTF (${VMLINUX_BTF} is missing)`, 'run a kernel built with CONFIG_DEBUG_INFO_BTF=y');
  if (!kernel.walkFunction)
    throw new FatalError(
      ExitCode.KERNEL,
      'neither fsnotify_set_children_dentry_flags nor __fsnotify_update_child_dentry_flags is in /proc/kallsyms',
      'this kernel has no fsnotify child-dentry walk to trace (CONFIG_FSNOTIFY off?)',
    );
  if (!host.bpfSyscall) throw new FatalError(ExitCode.KERNEL, 'the kernel has no bpf() support', 'run a kernel built with CONFIG_BPF_SYSCALL=y');
  const missing = missingForAttach(host.effectiveCapabilities);
  if (missing.length > 0)
    throw new FatalError(
      ExitCode.PRIVILEGE,
      `missing capability ${missing.map(capName).join(' and ')} (uid ${host.uid}): loading needs CAP_BPF, attaching CAP_PERFMON`,
      'run as root, or grant CAP_BPF CAP_PERFMON CAP_SYSLOG as systemd/fsnotify-exporter.service does',
    );
}

export function instrument(registry: Exposition, o: InstrumentOptions, logger: Logger): Instrumentation {
  const symbols = readKallsyms();
  const kernel = readKernelInfo(symbols);
  preflight(kernel);
  const objectPath = resolveObjectPath(o.objectPath);
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
    mechanism: o.mechanism,
    walkFunction: kernel.walkFunction!,
    parentCalls: o.parentCalls,
    symbols,
    logger,
    rodata: {
      children_scan_cap: o.childrenScanCap,
      children_scan_interval_ns: BigInt(o.childrenScanIntervalMs) * 1_000_000n,
      slow_walk_threshold_ns: BigInt(o.slowWalkThresholdMs) * 1_000_000n,
      parent_func_start: parent?.start ?? 0n,
      parent_func_end: parent?.end ?? 0n,
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
    for (const p of attach.probes) {
      if (p.attached)
        logger.info({ probe: p.probe, mechanism: p.mechanism, target: p.target, note: p.note }, `probe ${p.probe}: attached as ${p.mechanism} on ${p.target}${p.note ? ` (${p.note})` : ''}`);
      else if (p.off) logger.info({ probe: p.probe, target: p.target, reason: p.error }, `probe ${p.probe}: ${p.error}`);
      else logger.warn({ probe: p.probe, mechanism: p.mechanism, target: p.target, reason: p.error }, `probe ${p.probe}: not attached (${p.mechanism} on ${p.target}): ${p.error}`);
    }
    logger.info({ lock_wait_mechanism: attach.lockWaitMechanism }, `lock waits measured with: ${attach.lockWaitMechanism}`);

    const reader = mapsReader(obj);
    const capacities = new Map<string, number>();
    for (const name of ['walks_in_flight', 'walkers_by_inode', 'watched_locks', 'dir_stats', 'watch_syscalls', 'lock_nest', 'events'])
      capacities.set(name, reader.capacity(name));
    const counts: DaemonCounts = { nearSoftlockups: 0, softlockups: { inWalk: 0, notInWalk: 0 } };
    const threshold = () => readSoftlockupThreshold().seconds;
    const slowWalks = new SlowWalkStore(o.slowWalkMaxEvents, logger, o.pathLabels);
    stops.push(
      registerCollectors(registry, {
        maps: new SnapshotCache(reader),
        capacities,
        topDirectories: o.topDirectories,
        pathLabels: o.pathLabels,
        kernel,
        version: o.version,
        libbpfVersion: libbpfVersion(),
        dentryState: readDentryState,
        softlockupThresholdSeconds: threshold,
        probes: () => attach.probes,
        lockWaitMechanism: () => attach.lockWaitMechanism,
        childrenScan: () => ({
          scan: attach.childScan,
          limit: attach.childScan === 'bounded' ? Math.min(SCAN_BOUNDED_MAX, Math.ceil(o.childrenScanCap / SCAN_BOUNDED_STEP) * SCAN_BOUNDED_STEP) : attach.childScan === 'none' ? 0 : o.childrenScanCap,
        }),
        programStats: perTurn(() => attach.attachedPrograms.map((program) => ({ program, ...obj.programInfo(program) }))),
        slowWalkEvents: slowWalks,
        counts,
      }),
    );

    const ring = obj.ringBuffer('events', slowWalks.onRecord);
    const ringTimer = setInterval(() => ring.poll(), RING_POLL_MS);
    ringTimer.unref();
    stops.push(() => {
      clearInterval(ringTimer);
      ring.poll();
      ring.close();
    });

    const inFlight = obj.map('walks_in_flight');
    const dirStats = obj.map('dir_stats');
    const nearLockup = new NearLockupChecker({
      thresholdSeconds: threshold,
      ratio: o.nearSoftlockupRatio,
      logger,
      inFlight: (): WalkState[] => inFlight.entries().map(([, v]) => decodeWalkState(v)),
      pathOf: (w) => {
        if (!o.pathLabels) return '';
        const v = dirStats.lookup(encodeDirKey(w.dir));
        return v ? decodeDirStats(v).path : '';
      },
      onNearLockup: () => counts.nearSoftlockups++,
    });
    stops.push(nearLockup.start(o.nearSoftlockupCheckIntervalMs));
    stops.push(watchKmsg(logger, (r) => (r.inWalk ? counts.softlockups.inWalk++ : counts.softlockups.notInWalk++)));

    return { attach, kernel, slowWalks, nearLockup, close };
  } catch (e) {
    close();
    throw e;
  }
}
