// The YAML config file: keys mirror the flags (`children_scan.cap` is `--children-scan.cap`).
import { LIMITS, LOG_LEVELS } from './options.js';

const duration = { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h))+$' } as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    web: {
      type: 'object',
      additionalProperties: false,
      properties: {
        listen_address: { type: 'string', minLength: 1 },
        telemetry_path: { type: 'string', pattern: '^/' },
        config_file: { type: 'string', minLength: 1 },
      },
    },
    bpf: {
      type: 'object',
      additionalProperties: false,
      properties: { object: { type: 'string', minLength: 1 }, mechanism: { enum: ['auto', 'fentry', 'kprobe'] } },
    },
    children_scan: {
      type: 'object',
      additionalProperties: false,
      properties: { cap: { type: 'integer', minimum: LIMITS.childrenScanCap.min, maximum: LIMITS.childrenScanCap.max }, interval: duration },
    },
    slow_walk: {
      type: 'object',
      additionalProperties: false,
      properties: { threshold: duration, max_events: { type: 'integer', minimum: LIMITS.slowWalkMaxEvents.min, maximum: LIMITS.slowWalkMaxEvents.max } },
    },
    top_directories: { type: 'integer', minimum: LIMITS.topDirectories.min, maximum: LIMITS.topDirectories.max },
    path_labels: { type: 'boolean' },
    near_softlockup: {
      type: 'object',
      additionalProperties: false,
      properties: { ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, check_interval: duration },
    },
    log: { type: 'object', additionalProperties: false, properties: { level: { enum: [...LOG_LEVELS] } } },
    strict: { type: 'boolean' },
  },
} as const;

export interface ConfigFile {
  web?: { listen_address?: string; telemetry_path?: string; config_file?: string };
  bpf?: { object?: string; mechanism?: 'auto' | 'fentry' | 'kprobe' };
  children_scan?: { cap?: number; interval?: string };
  slow_walk?: { threshold?: string; max_events?: number };
  top_directories?: number;
  path_labels?: boolean;
  near_softlockup?: { ratio?: number; check_interval?: string };
  log?: { level?: (typeof LOG_LEVELS)[number] };
  strict?: boolean;
}
