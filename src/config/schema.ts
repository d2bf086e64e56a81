// The YAML config file (--config.file). Its keys mirror the flags: `--children-scan.cap` is
//   children_scan:
//     cap: 1048576
// Durations are strings ("10s"). Ranges come from LIMITS, so a flag and its key accept the same
// values; describeSchemaError (schema-errors.ts) turns a violation into one line naming the key.
import { DURATION_PATTERN } from './durations.js';
import { LIMITS, LOG_LEVELS, MECHANISMS, ON_OFF, type LogLevel, type Mechanism, type OnOff } from './options.js';

const duration = { type: 'string', pattern: DURATION_PATTERN } as const;
const text = { type: 'string', minLength: 1 } as const;
const integer = (r: { min: number; max: number }) => ({ type: 'integer', minimum: r.min, maximum: r.max }) as const;
const section = <P extends Record<string, unknown>>(properties: P) => ({ type: 'object', additionalProperties: false, properties }) as const;

export const CONFIG_SCHEMA = section({
  web: section({ listen_address: text, telemetry_path: text, config_file: text }),
  bpf: section({ object: text, mechanism: { type: 'string', enum: [...MECHANISMS] } }),
  children_scan: section({ cap: integer(LIMITS.childrenScanCap), interval: duration, budget: integer(LIMITS.childrenScanBudget) }),
  slow_walk: section({ threshold: duration, max_events: integer(LIMITS.slowWalkMaxEvents) }),
  top_directories: integer(LIMITS.topDirectories),
  path_labels: { type: 'boolean' },
  cgroup_labels: { type: 'boolean' },
  parent_calls: { type: 'boolean' },
  creators: { type: 'string', enum: [...ON_OFF] },
  near_softlockup: section({ ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, check_interval: duration }),
  log: section({ level: { type: 'string', enum: [...LOG_LEVELS] } }),
  capabilities: section({ keep: { type: 'boolean' } }),
  strict: { type: 'boolean' },
});

export interface ConfigFile {
  web?: { listen_address?: string; telemetry_path?: string; config_file?: string };
  bpf?: { object?: string; mechanism?: Mechanism };
  children_scan?: { cap?: number; interval?: string; budget?: number };
  slow_walk?: { threshold?: string; max_events?: number };
  top_directories?: number;
  path_labels?: boolean;
  cgroup_labels?: boolean;
  parent_calls?: boolean;
  creators?: OnOff;
  near_softlockup?: { ratio?: number; check_interval?: string };
  log?: { level?: LogLevel };
  capabilities?: { keep?: boolean };
  strict?: boolean;
}
