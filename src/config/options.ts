// Every setting of the daemon, with its default. Flags, config-file keys and BPF rodata share names
// (docs/architecture.md).

export type Mechanism = 'auto' | 'fentry' | 'kprobe';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Options {
  web: { listenAddress: string; telemetryPath: string; configFile?: string };
  bpf: { object?: string; mechanism: Mechanism };
  childrenScan: { cap: number; intervalMs: number };
  slowWalk: { thresholdMs: number; maxEvents: number };
  topDirectories: number;
  pathLabels: boolean;
  nearSoftlockup: { ratio: number; checkIntervalMs: number };
  log: { level: LogLevel };
  strict: boolean;
  check: boolean;
  configFile?: string;
}

export const DEFAULT_PORT = 9717;

export function defaultOptions(): Options {
  return {
    web: { listenAddress: `:${DEFAULT_PORT}`, telemetryPath: '/metrics' },
    bpf: { mechanism: 'auto' },
    childrenScan: { cap: 1 << 20, intervalMs: 10_000 },
    slowWalk: { thresholdMs: 50, maxEvents: 1000 },
    topDirectories: 20,
    pathLabels: true,
    nearSoftlockup: { ratio: 0.5, checkIntervalMs: 250 },
    log: { level: 'info' },
    strict: false,
    check: false,
  };
}

/** Bounds, shared by the flag parser and the config-file schema. */
export const LIMITS = {
  childrenScanCap: { min: 1, max: 1 << 23 }, // bpf_loop's limit
  topDirectories: { min: 1, max: 1000 },
  slowWalkMaxEvents: { min: 1, max: 100_000 },
} as const;
