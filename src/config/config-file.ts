// --config.file: read, validate against the schema, check the values the schema cannot (durations,
// addresses), and apply over the defaults. Every problem is one line naming the key; exit 3.
import { dirname, resolve } from 'node:path';
import { ExitCode, FatalError } from '../errors.js';
import { defaultText, FLAG_OF_KEY, LIMITS, type Options } from './options.js';
import { lazyValidator } from './lazy.js';
import { CONFIG_SCHEMA, type ConfigFile } from './schema.js';
import { describeSchemaError, keyOf, showValue } from './schema-errors.js';
import { durationIn, InvalidValue, listenAddress, telemetryPath } from './values.js';
import { readYamlFile } from './yaml-file.js';

const validator = lazyValidator<ConfigFile>(CONFIG_SCHEMA);

const KIND = { what: 'config file', flag: '--config.file', code: ExitCode.CONFIG, levels: 'two' } as const;

/** "for example slow_walk: {threshold: 50ms} (the default)": valid YAML, nested as it must be. */
function valueFix(key: string): string {
  const example = key in FLAG_OF_KEY ? defaultText(key as keyof typeof FLAG_OF_KEY) : undefined;
  if (example === undefined) return `fix ${key} in the config file`;
  const [section, sub] = key.split('.') as [string, string | undefined];
  return `for example "${sub === undefined ? `${section}: ${example}` : `${section}: {${sub}: ${example}}`}" (the default)`;
}

/** The validated document. Throws FatalError(CONFIG). */
export function readConfigFile(path: string): ConfigFile {
  const doc = readYamlFile(path, KIND);
  const validate = validator();
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    if (!e) throw new FatalError(ExitCode.CONFIG, `config file ${path} is invalid`, 'see README.md');
    const { problem, fix } = describeSchemaError(e);
    const key = keyOf(e.instancePath);
    const defaultFix =
      e.keyword === 'additionalProperties'
        ? 'remove it or fix its spelling (keys mirror the flags: --children-scan.cap is children_scan: {cap: ...})'
        : key
          ? valueFix(key)
          : 'write it as "key: value" lines, e.g. top_directories: 20';
    throw new FatalError(ExitCode.CONFIG, `config file ${path}: ${problem}`, fix ?? defaultFix);
  }
  return doc;
}

/** Checks a value the schema only knows as a string; the error names the key. */
function check<T>(path: string, key: string, value: string | undefined, parse: (v: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (e) {
    if (e instanceof InvalidValue) throw new FatalError(ExitCode.CONFIG, `config file ${path}: ${key}: ${showValue(value)} ${e.message}`, valueFix(key));
    throw e;
  }
}

/**
 * Applies a validated config file over `o`. Relative paths in it (web.config_file, bpf.object)
 * are relative to the config file's directory.
 */
export function applyConfigFile(o: Options, c: ConfigFile, path: string): void {
  const base = dirname(resolve(path));
  const put = <T>(value: T | undefined, apply: (v: T) => void) => {
    if (value !== undefined) apply(value);
  };
  const dur = (key: string, v: string | undefined, limits: { min: number; max: number }) => check(path, key, v, durationIn(limits));
  put(check(path, 'web.listen_address', c.web?.listen_address, listenAddress), (v) => (o.web.listenAddress = v));
  put(check(path, 'web.telemetry_path', c.web?.telemetry_path, telemetryPath), (v) => (o.web.telemetryPath = v));
  put(c.web?.config_file, (v) => (o.web.configFile = resolve(base, v)));
  put(c.bpf?.object, (v) => (o.bpf.object = resolve(base, v)));
  put(c.bpf?.mechanism, (v) => (o.bpf.mechanism = v));
  put(c.children_scan?.cap, (v) => (o.childrenScan.cap = v));
  put(c.children_scan?.budget, (v) => (o.childrenScan.budget = v));
  put(dur('children_scan.interval', c.children_scan?.interval, LIMITS.childrenScanInterval), (v) => (o.childrenScan.intervalMs = v));
  put(dur('slow_walk.threshold', c.slow_walk?.threshold, LIMITS.slowWalkThreshold), (v) => (o.slowWalk.thresholdMs = v));
  put(c.slow_walk?.max_events, (v) => (o.slowWalk.maxEvents = v));
  put(c.top_directories, (v) => (o.topDirectories = v));
  put(c.path_labels, (v) => (o.pathLabels = v));
  put(c.cgroup_labels, (v) => (o.cgroupLabels = v));
  put(c.parent_calls, (v) => (o.parentCalls = v));
  put(c.creators, (v) => (o.creators = v));
  put(c.near_softlockup?.ratio, (v) => (o.nearSoftlockup.ratio = v));
  put(dur('near_softlockup.check_interval', c.near_softlockup?.check_interval, LIMITS.nearSoftlockupCheckInterval), (v) => (o.nearSoftlockup.checkIntervalMs = v));
  put(c.log?.level, (v) => (o.log.level = v));
  put(c.capabilities?.keep, (v) => (o.capabilities.keep = v));
  put(c.strict, (v) => (o.strict = v));
  o.configFile = path;
}
