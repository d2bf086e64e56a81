// Command-line flags (Prometheus exporter style), merged: defaults < config file < flags.
// Commander never prints or exits here: every bad input becomes a FatalError (one line, exit 2 for
// flags, 3 for the config file), --help and --version a HelpRequested for the caller to print.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, FatalError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { applyConfigFile, readConfigFile } from './config-file.js';
import { formatDuration } from './durations.js';
import { defaultOptions, LIMITS, LOG_LEVELS, MECHANISMS, ON_OFF, type Options } from './options.js';
import { durationIn, integerIn, InvalidValue, listenAddress, nonEmpty, oneOf, ratio, telemetryPath } from './values.js';

/** --help or --version: print `output` on stdout and exit 0 (--version: the caller adds the runtime's). */
export class HelpRequested {
  constructor(
    readonly output: string,
    readonly isVersion = false,
  ) {}
}

interface ValueFlag {
  flag: string;
  arg: string;
  help: string;
  parse: (text: string) => unknown;
  set: (o: Options, v: never) => void;
  /** the default, as it would be typed on the command line (shown in --help and in fixes) */
  example?: string;
}

interface SwitchFlag {
  flag: string;
  help: string;
  set: (o: Options, v: boolean) => void;
  /** also offer --no-<name>, so a flag can undo the config file */
  negatable?: boolean;
  negativeHelp?: string;
}

const D = defaultOptions();
const ms = formatDuration;

const VALUE_FLAGS: ValueFlag[] = [
  { flag: '--web.listen-address', arg: '<address>', help: 'address to listen on, [host]:port', parse: listenAddress, set: (o, v: string) => (o.web.listenAddress = v), example: D.web.listenAddress },
  { flag: '--web.telemetry-path', arg: '<path>', help: 'path of the metrics endpoint', parse: telemetryPath, set: (o, v: string) => (o.web.telemetryPath = v), example: D.web.telemetryPath },
  { flag: '--web.config.file', arg: '<file>', help: 'TLS, basic auth and headers (Prometheus exporter-toolkit web config)', parse: nonEmpty, set: (o, v: string) => (o.web.configFile = v) },
  { flag: '--config.file', arg: '<file>', help: 'YAML config file; keys mirror the flags, flags win', parse: nonEmpty, set: () => undefined },
  { flag: '--bpf.object', arg: '<file>', help: 'BPF object to load instead of the one shipped for this arch', parse: nonEmpty, set: (o, v: string) => (o.bpf.object = v) },
  { flag: '--bpf.mechanism', arg: '<mechanism>', help: `how to probe kernel functions: ${MECHANISMS.join('|')} (auto: fentry, else kprobe)`, parse: oneOf(MECHANISMS), set: (o, v: Options['bpf']['mechanism']) => (o.bpf.mechanism = v), example: D.bpf.mechanism },
  { flag: '--children-scan.cap', arg: '<n>', help: `children counted per directory scan, at most (${LIMITS.childrenScanCap.min}..${LIMITS.childrenScanCap.max})`, parse: integerIn(LIMITS.childrenScanCap), set: (o, v: number) => (o.childrenScan.cap = v), example: String(D.childrenScan.cap) },
  { flag: '--children-scan.interval', arg: '<duration>', help: 'scan a directory at most this often', parse: durationIn(LIMITS.childrenScanInterval), set: (o, v: number) => (o.childrenScan.intervalMs = v), example: ms(D.childrenScan.intervalMs) },
  { flag: '--children-scan.budget', arg: '<n>', help: `children one walk's probe scans at most; the rest on later walks (${LIMITS.childrenScanBudget.min}..${LIMITS.childrenScanBudget.max})`, parse: integerIn(LIMITS.childrenScanBudget), set: (o, v: number) => (o.childrenScan.budget = v), example: String(D.childrenScan.budget) },
  { flag: '--slow-walk.threshold', arg: '<duration>', help: 'walks at least this long become slow-walk events', parse: durationIn(LIMITS.slowWalkThreshold), set: (o, v: number) => (o.slowWalk.thresholdMs = v), example: ms(D.slowWalk.thresholdMs) },
  { flag: '--slow-walk.max-events', arg: '<n>', help: 'slow-walk events kept for /api/v1/slow-walks', parse: integerIn(LIMITS.slowWalkMaxEvents), set: (o, v: number) => (o.slowWalk.maxEvents = v), example: String(D.slowWalk.maxEvents) },
  { flag: '--top-directories', arg: '<k>', help: `directories with their own series (${LIMITS.topDirectories.min}..${LIMITS.topDirectories.max})`, parse: integerIn(LIMITS.topDirectories), set: (o, v: number) => (o.topDirectories = v), example: String(D.topDirectories) },
  { flag: '--creators', arg: '<on|off>', help: 'count dentry creators and watch churn per directory and lock waits per cgroup (off: those probes are not loaded)', parse: oneOf(ON_OFF), set: (o, v: Options['creators']) => (o.creators = v), example: D.creators },
  { flag: '--near-softlockup.ratio', arg: '<r>', help: 'report a running walk past this share of the soft-lockup threshold (0 < r <= 1)', parse: ratio, set: (o, v: number) => (o.nearSoftlockup.ratio = v), example: String(D.nearSoftlockup.ratio) },
  { flag: '--near-softlockup.check-interval', arg: '<duration>', help: 'how often running walks are checked', parse: durationIn(LIMITS.nearSoftlockupCheckInterval), set: (o, v: number) => (o.nearSoftlockup.checkIntervalMs = v), example: ms(D.nearSoftlockup.checkIntervalMs) },
  { flag: '--log.level', arg: '<level>', help: `log level: ${LOG_LEVELS.join('|')}`, parse: oneOf(LOG_LEVELS), set: (o, v: Options['log']['level']) => (o.log.level = v), example: D.log.level },
];

const SWITCHES: SwitchFlag[] = [
  { flag: '--path-labels', help: 'label directory series and events with their path (default; undoes path_labels: false)', set: (o, v) => (o.pathLabels = v), negatable: true, negativeHelp: 'drop the path label (paths can be sensitive)' },
  {
    flag: '--cgroup-labels',
    help: 'name the cgroup, pod, container and systemd unit of watchers, creators and stalled workloads (default; undoes cgroup_labels: false)',
    set: (o, v) => (o.cgroupLabels = v),
    negatable: true,
    negativeHelp: 'drop cgroup, pod_uid, container_id and unit (no cgroup tree walks either)',
  },
  {
    flag: '--parent-calls',
    help: 'count every __fsnotify_parent() call in fsnotify_parent_calls_total: a probe on the file-event hot path, off by default (herd walks are told apart without it)',
    set: (o, v) => (o.parentCalls = v),
    negatable: true,
  },
  { flag: '--capabilities.keep', help: 'keep all capabilities after attaching (default: drop those no longer needed)', set: (o, v) => (o.capabilities.keep = v), negatable: true },
  { flag: '--strict', help: 'exit when a walk probe cannot attach (default: serve and report it)', set: (o, v) => (o.strict = v), negatable: true },
  { flag: '--check', help: 'load and attach, print what attached, detach; exit 0 if the walk probes attached, else 1', set: (o, v) => (o.check = v) },
];

const EPILOG = `
Durations are like 250ms, 10s, 1m or 1h30m. Config-file keys mirror the flags:
--children-scan.cap is children_scan: {cap: ...}, --no-path-labels is path_labels: false,
--no-cgroup-labels is cgroup_labels: false.
Exit codes and every setting: README.md.`;

function program(version: string): Command {
  const cmd = new Command('fsnotify-exporter')
    .description('Prometheus exporter for the kernel fsnotify child-dentry walk (eBPF): warns before a soft lockup.')
    .version(version, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .allowExcessArguments(true) // reported by parseOptions, with the argument named
    .exitOverride()
    .addHelpText('after', EPILOG);
  for (const f of VALUE_FLAGS) {
    const opt = new Option(`${f.flag} ${f.arg}`, f.example ? `${f.help} (default ${f.example})` : f.help);
    cmd.addOption(opt.argParser((text) => parseValue(f, text)));
  }
  for (const s of SWITCHES) {
    const name = s.flag.slice(2);
    cmd.addOption(new Option(s.flag, s.help));
    if (s.negatable) cmd.addOption(new Option(`--no-${name}`, s.negativeHelp ?? `undo --${name} from the config file`));
  }
  return cmd;
}

function parseValue(f: ValueFlag, text: string): unknown {
  try {
    return f.parse(text);
  } catch (e) {
    if (!(e instanceof InvalidValue)) throw e;
    const fix = f.example ? `for example ${f.flag}=${f.example} (the default)` : `see ${f.flag} in --help`;
    throw new FatalError(ExitCode.USAGE, `${f.flag}: ${JSON.stringify(text)} ${e.message}`, fix);
  }
}

const HELP_FIX = 'run with --help for the flags';

function usageError(e: CommanderError): FatalError {
  const msg = e.message.replace(/^error: /, '');
  if (e.code === 'commander.unknownOption') {
    const given = /'([^']*)'/.exec(msg)?.[1] ?? msg;
    const [name, value] = given.split('=', 2) as [string, string | undefined];
    if (value !== undefined && SWITCHES.some((s) => s.flag === name || `--no-${s.flag.slice(2)}` === name))
      return new FatalError(ExitCode.USAGE, `${name} takes no value`, `pass ${name} alone, without "=${value}"`);
    const guess = /Did you mean (--?[\w.-]+)\?/.exec(msg)?.[1];
    return new FatalError(ExitCode.USAGE, `unknown flag '${given}'${guess ? ` (did you mean ${guess}?)` : ''}`, HELP_FIX);
  }
  if (e.code === 'commander.optionMissingArgument') {
    const flag = /'(--[\w.-]+)/.exec(msg)?.[1] ?? 'the flag';
    const f = VALUE_FLAGS.find((v) => v.flag === flag);
    return new FatalError(ExitCode.USAGE, `${flag} needs a value`, `pass ${flag}=${f?.example ?? f?.arg ?? '<value>'}`);
  }
  return new FatalError(ExitCode.USAGE, (msg.split('\n')[0] ?? msg).replace(/\.$/, ''), HELP_FIX);
}

function packageVersion(): string {
  const pkg = join(PACKAGE_ROOT, 'package.json');
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Defaults < config file < flags. Throws FatalError on bad input (USAGE for flags, CONFIG for the
 * config file) and HelpRequested for --help/--version.
 */
export function parseOptions(argv: readonly string[], version: string = packageVersion()): Options {
  let out = '';
  const cmd = program(version).configureOutput({ writeOut: (s) => (out += s), writeErr: () => undefined, outputError: () => undefined });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') throw new HelpRequested(out, e.code === 'commander.version');
    throw usageError(e);
  }
  if (cmd.args.length > 0)
    throw new FatalError(ExitCode.USAGE, `unexpected argument ${JSON.stringify(cmd.args[0])} (flags take no positional arguments)`, 'write flags as --name=value');

  const o = defaultOptions();
  const values = cmd.opts<Record<string, unknown>>();
  const fromCli = (attr: string) => values[attr] !== undefined && cmd.getOptionValueSource(attr) === 'cli';
  const attr = (flag: string) => cmd.options.find((opt) => opt.long === flag)?.attributeName() as string;

  const configFile = values[attr('--config.file')];
  if (typeof configFile === 'string' && fromCli(attr('--config.file'))) applyConfigFile(o, readConfigFile(configFile), configFile);

  for (const f of VALUE_FLAGS) if (fromCli(attr(f.flag))) f.set(o, values[attr(f.flag)] as never);
  for (const s of SWITCHES) if (fromCli(attr(s.flag))) s.set(o, values[attr(s.flag)] as boolean);
  return o;
}

/** The flags, for tests and docs: long names as typed. */
export function flagNames(): string[] {
  return program('0').options.map((o) => o.long as string);
}
