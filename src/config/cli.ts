// Command-line flags (Prometheus exporter style), merged over the config file over the defaults.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCode, FatalError } from '../errors.js';
import { readConfigFile } from './config-file.js';
import { parseDurationMs } from './durations.js';
import { defaultOptions, LIMITS, LOG_LEVELS, type Options } from './options.js';
import type { ConfigFile } from './schema.js';

/** --help or --version: printed, and the process should exit 0. */
export class EarlyExit {
  constructor(readonly output: string) {}
}

const intIn = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
};
const durationArg = (v: string) => {
  const ms = parseDurationMs(v);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('must be a duration like 250ms, 10s or 1m');
  return ms;
};
const ratioArg = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('must be a number above 0 and at most 1');
  return n;
};
const pathArg = (v: string) => {
  if (!v.startsWith('/')) throw new InvalidArgumentError('must start with /');
  return v;
};

function program(version: string): Command {
  return new Command('fsnotify-exporter')
    .description('Prometheus exporter for the kernel fsnotify child-dentry walk (eBPF): warns before a soft lockup')
    .version(version, '--version')
    .addOption(new Option('--web.listen-address <address>', 'address to listen on: [host]:port (default ":9717")'))
    .addOption(new Option('--web.telemetry-path <path>', 'path of the metrics endpoint (default "/metrics")').argParser(pathArg))
    .addOption(new Option('--web.config.file <file>', 'TLS and basic-auth config (Prometheus exporter-toolkit format)'))
    .addOption(new Option('--config.file <file>', 'YAML config file; flags override it'))
    .addOption(new Option('--bpf.object <file>', 'BPF object to load (default: the one shipped for this arch)'))
    .addOption(new Option('--bpf.mechanism <mechanism>', 'how to probe functions (default "auto": fentry, else kprobe)').choices(['auto', 'fentry', 'kprobe']))
    .addOption(new Option('--children-scan.cap <n>', 'children counted per scan, at most (default 1048576)').argParser(intIn(LIMITS.childrenScanCap.min, LIMITS.childrenScanCap.max)))
    .addOption(new Option('--children-scan.interval <duration>', 'rescan a directory at most this often (default 10s)').argParser(durationArg))
    .addOption(new Option('--slow-walk.threshold <duration>', 'walks at least this long become slow-walk events (default 50ms)').argParser(durationArg))
    .addOption(new Option('--slow-walk.max-events <n>', 'slow-walk events kept for /api/v1/slow-walks (default 1000)').argParser(intIn(LIMITS.slowWalkMaxEvents.min, LIMITS.slowWalkMaxEvents.max)))
    .addOption(new Option('--top-directories <k>', 'directories with their own series (default 20)').argParser(intIn(LIMITS.topDirectories.min, LIMITS.topDirectories.max)))
    .addOption(new Option('--no-path-labels', 'drop the path label of directory series and events (paths can be sensitive)'))
    .addOption(new Option('--near-softlockup.ratio <r>', 'warn when a running walk passes this share of the soft-lockup threshold (default 0.5)').argParser(ratioArg))
    .addOption(new Option('--near-softlockup.check-interval <duration>', 'how often running walks are checked (default 250ms)').argParser(durationArg))
    .addOption(new Option('--log.level <level>', 'log level (default "info")').choices([...LOG_LEVELS]))
    .addOption(new Option('--strict', 'exit when a walk probe cannot attach'))
    .addOption(new Option('--check', 'load and attach, print what attached, detach, exit 0 (walk probes attached) or 1'))
    .helpOption('-h, --help')
    .allowExcessArguments(false)
    .exitOverride();
}

function usageError(e: CommanderError): FatalError {
  const msg = e.message.replace(/^error: /, '');
  if (e.code === 'commander.unknownOption') return new FatalError(ExitCode.USAGE, msg.replace(/^unknown option/, 'unknown flag').split('\n')[0] as string, 'run with --help for the flags');
  if (e.code === 'commander.excessArguments') return new FatalError(ExitCode.USAGE, 'unexpected argument (flags take no positional arguments)', 'flags take the form --name=value');
  const invalid = /^option '(--[\w.-]+)[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(msg);
  if (invalid) return new FatalError(ExitCode.USAGE, `${invalid[1]}: "${invalid[2]}" ${(invalid[3] as string).replace(/^Allowed choices are/, 'must be one of').replace(/\.$/, '')}`, 'run with --help for the flags');
  return new FatalError(ExitCode.USAGE, msg.replace(/\.$/, '').replace(/\n/g, ' '), 'run with --help for the flags');
}

function applyConfig(o: Options, c: ConfigFile): void {
  const d = (v: string | undefined) => (v === undefined ? undefined : parseDurationMs(v));
  o.web.listenAddress = c.web?.listen_address ?? o.web.listenAddress;
  o.web.telemetryPath = c.web?.telemetry_path ?? o.web.telemetryPath;
  o.web.configFile = c.web?.config_file ?? o.web.configFile;
  o.bpf.object = c.bpf?.object ?? o.bpf.object;
  o.bpf.mechanism = c.bpf?.mechanism ?? o.bpf.mechanism;
  o.childrenScan.cap = c.children_scan?.cap ?? o.childrenScan.cap;
  o.childrenScan.intervalMs = d(c.children_scan?.interval) ?? o.childrenScan.intervalMs;
  o.slowWalk.thresholdMs = d(c.slow_walk?.threshold) ?? o.slowWalk.thresholdMs;
  o.slowWalk.maxEvents = c.slow_walk?.max_events ?? o.slowWalk.maxEvents;
  o.topDirectories = c.top_directories ?? o.topDirectories;
  o.pathLabels = c.path_labels ?? o.pathLabels;
  o.nearSoftlockup.ratio = c.near_softlockup?.ratio ?? o.nearSoftlockup.ratio;
  o.nearSoftlockup.checkIntervalMs = d(c.near_softlockup?.check_interval) ?? o.nearSoftlockup.checkIntervalMs;
  o.log.level = c.log?.level ?? o.log.level;
  o.strict = c.strict ?? o.strict;
}

/** Defaults < config file < flags. Throws FatalError on bad input, EarlyExit for --help/--version. */
export function parseOptions(argv: readonly string[], version: string): Options {
  let out = '';
  const cmd = program(version).configureOutput({ writeOut: (s) => (out += s), writeErr: () => {} });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') throw new EarlyExit(out);
      throw usageError(e);
    }
    throw e;
  }
  const f = cmd.opts<Record<string, unknown>>();
  const o = defaultOptions();
  const configFile = f['config.file'] as string | undefined;
  if (configFile) {
    applyConfig(o, readConfigFile(configFile));
    o.configFile = configFile;
  }
  const set = <T>(key: string, apply: (v: T) => void) => {
    if (f[key] !== undefined && cmd.getOptionValueSource(key) === 'cli') apply(f[key] as T);
  };
  set<string>('web.listenAddress', (v) => (o.web.listenAddress = v));
  set<string>('web.telemetryPath', (v) => (o.web.telemetryPath = v));
  set<string>('web.config.file', (v) => (o.web.configFile = v));
  set<string>('bpf.object', (v) => (o.bpf.object = v));
  set<Options['bpf']['mechanism']>('bpf.mechanism', (v) => (o.bpf.mechanism = v));
  set<number>('childrenScan.cap', (v) => (o.childrenScan.cap = v));
  set<number>('childrenScan.interval', (v) => (o.childrenScan.intervalMs = v));
  set<number>('slowWalk.threshold', (v) => (o.slowWalk.thresholdMs = v));
  set<number>('slowWalk.maxEvents', (v) => (o.slowWalk.maxEvents = v));
  set<number>('topDirectories', (v) => (o.topDirectories = v));
  set<boolean>('pathLabels', (v) => (o.pathLabels = v));
  set<number>('nearSoftlockup.ratio', (v) => (o.nearSoftlockup.ratio = v));
  set<number>('nearSoftlockup.checkInterval', (v) => (o.nearSoftlockup.checkIntervalMs = v));
  set<Options['log']['level']>('log.level', (v) => (o.log.level = v));
  set<boolean>('strict', (v) => (o.strict = v));
  set<boolean>('check', (v) => (o.check = v));
  parseListenAddress(o.web.listenAddress);
  return o;
}

/** ":9717", "127.0.0.1:9717", "[::1]:9717" → host and port. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new FatalError(ExitCode.USAGE, `invalid listen address "${address}"`, 'use [host]:port, e.g. :9717 or 127.0.0.1:9717');
  const host = m[1] ?? (m[2] || '::');
  return { host, port };
}
