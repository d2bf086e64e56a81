// Every setting of the daemon, with its default. Flags, config-file keys and BPF rodata share names
// (the names table in docs/architecture.md): `--children-scan.cap` = `children_scan.cap` =
// `children_scan_cap` = `options.childrenScan.cap`.
import { formatDuration } from './durations.js';

export const MECHANISMS = ['auto', 'fentry', 'kprobe'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** pino's levels; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Options {
  web: {
    /** `[host]:port`; ":9717" is every address of the host */
    listenAddress: string;
    telemetryPath: string;
    /** exporter-toolkit web config (TLS, basic auth, headers) */
    configFile?: string;
  };
  bpf: {
    /** override of the shipped object for this arch */
    object?: string;
    mechanism: Mechanism;
  };
  childrenScan: { cap: number; intervalMs: number; budget: number };
  slowWalk: { thresholdMs: number; maxEvents: number };
  topDirectories: number;
  pathLabels: boolean;
  /** label watchers, creators and stalled workloads with their cgroup, pod, container and unit */
  cgroupLabels: boolean;
  /** probe every __fsnotify_parent() call for fsnotify_parent_calls_total (a hot path: off by default) */
  parentCalls: boolean;
  /** the dentry-creator and watch-churn probes and the per-cgroup lock waits (issue 16): on|off */
  creators: OnOff;
  nearSoftlockup: { ratio: number; checkIntervalMs: number };
  log: { level: LogLevel };
  /** keep every capability after attaching (default: drop those no longer needed) */
  capabilities: { keep: boolean };
  strict: boolean;
  check: boolean;
  /** the --config.file that was read, if any */
  configFile?: string;
}

export const ON_OFF = ['on', 'off'] as const;
export type OnOff = (typeof ON_OFF)[number];

export const DEFAULT_PORT = 9717;

/** Children one walk-entry run scans at most: its bound in µs is in docs/benchmark-findings.md. */
export const CHILDREN_SCAN_BUDGET = 4096;

export function defaultOptions(): Options {
  return {
    web: { listenAddress: `:${DEFAULT_PORT}`, telemetryPath: '/metrics' },
    bpf: { mechanism: 'auto' },
    childrenScan: { cap: 1 << 20, intervalMs: 10_000, budget: CHILDREN_SCAN_BUDGET },
    slowWalk: { thresholdMs: 50, maxEvents: 1000 },
    topDirectories: 20,
    pathLabels: true,
    cgroupLabels: true,
    parentCalls: false,
    creators: 'on',
    nearSoftlockup: { ratio: 0.5, checkIntervalMs: 1000 },
    log: { level: 'info' },
    capabilities: { keep: false },
    strict: false,
    check: false,
  };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Bounds, shared by the flag parser and the config-file checks. Durations in ms. */
export const LIMITS = {
  childrenScanCap: { min: 1, max: 1 << 23 }, // bpf_loop()'s iteration limit
  childrenScanInterval: { min: 1, max: DAY },
  childrenScanBudget: { min: 1, max: 1 << 23 },
  slowWalkThreshold: { min: 1, max: DAY },
  slowWalkMaxEvents: { min: 1, max: 100_000 },
  topDirectories: { min: 1, max: 2000 },
  nearSoftlockupCheckInterval: { min: 10, max: 10 * MINUTE },
} as const;

/** Paths the server uses itself; the telemetry path cannot be one of them. */
export const RESERVED_PATHS = ['/', '/healthz', '/readyz', '/api/v1/slow-walks'] as const;

/** Config-file key → flag, for every key (the names table). */
export const FLAG_OF_KEY = {
  'web.listen_address': '--web.listen-address',
  'web.telemetry_path': '--web.telemetry-path',
  'web.config_file': '--web.config.file',
  'bpf.object': '--bpf.object',
  'bpf.mechanism': '--bpf.mechanism',
  'children_scan.cap': '--children-scan.cap',
  'children_scan.interval': '--children-scan.interval',
  'children_scan.budget': '--children-scan.budget',
  'slow_walk.threshold': '--slow-walk.threshold',
  'slow_walk.max_events': '--slow-walk.max-events',
  top_directories: '--top-directories',
  path_labels: '--no-path-labels',
  cgroup_labels: '--no-cgroup-labels',
  parent_calls: '--parent-calls',
  creators: '--creators',
  'near_softlockup.ratio': '--near-softlockup.ratio',
  'near_softlockup.check_interval': '--near-softlockup.check-interval',
  'log.level': '--log.level',
  'capabilities.keep': '--capabilities.keep',
  strict: '--strict',
} as const;

/** Each key's default as written in the config file, for messages ("for example ..."). */
export function defaultText(key: keyof typeof FLAG_OF_KEY): string | undefined {
  const d = defaultOptions();
  const text: Partial<Record<keyof typeof FLAG_OF_KEY, string>> = {
    'web.listen_address': `'${d.web.listenAddress}'`,
    'web.telemetry_path': d.web.telemetryPath,
    'bpf.mechanism': d.bpf.mechanism,
    'children_scan.cap': String(d.childrenScan.cap),
    'children_scan.interval': formatDuration(d.childrenScan.intervalMs),
    'children_scan.budget': String(d.childrenScan.budget),
    'slow_walk.threshold': formatDuration(d.slowWalk.thresholdMs),
    'slow_walk.max_events': String(d.slowWalk.maxEvents),
    top_directories: String(d.topDirectories),
    path_labels: String(d.pathLabels),
    cgroup_labels: String(d.cgroupLabels),
    parent_calls: String(d.parentCalls),
    creators: d.creators,
    'near_softlockup.ratio': String(d.nearSoftlockup.ratio),
    'near_softlockup.check_interval': formatDuration(d.nearSoftlockup.checkIntervalMs),
    'log.level': d.log.level,
    'capabilities.keep': String(d.capabilities.keep),
    strict: String(d.strict),
  };
  return text[key];
}
