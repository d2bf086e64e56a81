// Flags and the config file merged: defaults < config file < flags.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { flagNames, HelpRequested, parseOptions } from '../../src/config/cli.js';
import { parseListenAddress } from '../../src/config/listen-address.js';
import { defaultOptions, FLAG_OF_KEY } from '../../src/config/options.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'fsnotify-exporter-cli-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

test('no flags: the defaults of the names table', () => {
  const o = parseOptions([], 't');
  assert.deepEqual(o, defaultOptions());
  assert.equal(o.web.listenAddress, ':9717');
  assert.equal(o.web.telemetryPath, '/metrics');
  assert.equal(o.childrenScan.cap, 1_048_576);
  assert.equal(o.childrenScan.intervalMs, 10_000);
  assert.equal(o.slowWalk.thresholdMs, 50);
  assert.equal(o.slowWalk.maxEvents, 1000);
  assert.equal(o.topDirectories, 20);
  assert.equal(o.pathLabels, true);
  assert.equal(o.cgroupLabels, true);
  assert.equal(o.nearSoftlockup.ratio, 0.5);
  assert.equal(o.nearSoftlockup.checkIntervalMs, 1000);
  assert.equal(o.log.level, 'info');
  assert.equal(o.bpf.mechanism, 'auto');
  assert.equal(o.capabilities.keep, false);
  assert.equal(o.strict, false);
  assert.equal(o.check, false);
});

test('every flag, with = and as a separate argument', () => {
  const o = parseOptions(
    [
      '--web.listen-address=[::1]:9999',
      '--web.telemetry-path',
      '/m',
      '--web.config.file=/etc/web.yml',
      '--bpf.object=/opt/x.bpf.o',
      '--bpf.mechanism=kprobe',
      '--children-scan.cap=8388608',
      '--children-scan.interval=1m',
      '--children-scan.budget=100',
      '--slow-walk.threshold=1h30m',
      '--slow-walk.max-events=5',
      '--top-directories=1000',
      '--no-path-labels',
      '--no-cgroup-labels',
      '--parent-calls',
      '--creators=off',
      '--near-softlockup.ratio=1',
      '--near-softlockup.check-interval=10ms',
      '--log.level=debug',
      '--capabilities.keep',
      '--strict',
      '--check',
    ],
    't',
  );
  assert.deepEqual(o, {
    web: { listenAddress: '[::1]:9999', telemetryPath: '/m', configFile: '/etc/web.yml' },
    bpf: { object: '/opt/x.bpf.o', mechanism: 'kprobe' },
    childrenScan: { cap: 8_388_608, intervalMs: 60_000, budget: 100 },
    slowWalk: { thresholdMs: 5_400_000, maxEvents: 5 },
    topDirectories: 1000,
    pathLabels: false,
    cgroupLabels: false,
    parentCalls: true,
    creators: 'off',
    nearSoftlockup: { ratio: 1, checkIntervalMs: 10 },
    log: { level: 'debug' },
    capabilities: { keep: true },
    strict: true,
    check: true,
  });
});

const FULL_CONFIG = `# every key
web:
  listen_address: 127.0.0.1:9100
  telemetry_path: /prom
  config_file: web.yml
bpf:
  object: objs/fsnotify.bpf.o
  mechanism: fentry
children_scan:
  cap: 4096
  interval: 30s
  budget: 2048
slow_walk:
  threshold: 100ms
  max_events: 50
top_directories: 7
path_labels: false
cgroup_labels: false
parent_calls: true
creators: off
near_softlockup:
  ratio: 0.8
  check_interval: 1s
log:
  level: warn
capabilities:
  keep: true
strict: true
`;

test('config file: every key, relative paths from the file\'s directory', () => {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  const path = join(dir, 'etc', 'full.yml');
  writeFileSync(path, FULL_CONFIG);
  const o = parseOptions([`--config.file=${path}`], 't');
  assert.deepEqual(o, {
    web: { listenAddress: '127.0.0.1:9100', telemetryPath: '/prom', configFile: join(dir, 'etc', 'web.yml') },
    bpf: { object: join(dir, 'etc', 'objs', 'fsnotify.bpf.o'), mechanism: 'fentry' },
    childrenScan: { cap: 4096, intervalMs: 30_000, budget: 2048 },
    slowWalk: { thresholdMs: 100, maxEvents: 50 },
    topDirectories: 7,
    pathLabels: false,
    cgroupLabels: false,
    parentCalls: true,
    creators: 'off',
    nearSoftlockup: { ratio: 0.8, checkIntervalMs: 1000 },
    log: { level: 'warn' },
    capabilities: { keep: true },
    strict: true,
    check: false,
    configFile: path,
  });
});

test('flags win over the config file, in either order; --path-labels, --cgroup-labels and --no-strict undo it', () => {
  const path = write('override.yml', FULL_CONFIG);
  const o = parseOptions(['--top-directories=3', `--config.file=${path}`, '--slow-walk.threshold=5s', '--path-labels', '--cgroup-labels', '--no-strict', '--no-capabilities.keep', '--web.config.file=w.yml'], 't');
  assert.equal(o.topDirectories, 3);
  assert.equal(o.slowWalk.thresholdMs, 5000);
  assert.equal(o.pathLabels, true);
  assert.equal(o.cgroupLabels, true);
  assert.equal(o.strict, false);
  assert.equal(o.capabilities.keep, false);
  assert.equal(o.web.configFile, 'w.yml', 'a flag path stays relative to the working directory');
  assert.equal(o.childrenScan.cap, 4096, 'keys without a flag keep the file value');
});

test('an empty config file (or only comments) is the defaults', () => {
  const o = parseOptions([`--config.file=${write('empty.yml', '# nothing\n')}`], 't');
  assert.deepEqual({ ...o, configFile: undefined }, { ...defaultOptions(), configFile: undefined });
});

test('--help and --version are HelpRequested with the text to print', () => {
  assert.throws(
    () => parseOptions(['--version'], '1.2.3'),
    (e: unknown) => e instanceof HelpRequested && e.isVersion && e.output === '1.2.3\n',
  );
  for (const flag of ['--help', '-h']) {
    let help = '';
    try {
      parseOptions([flag], 't');
    } catch (e) {
      assert.ok(e instanceof HelpRequested);
      help = e.output;
    }
    assert.match(help, /^Usage: fsnotify-exporter \[options\]/);
    for (const f of Object.values(FLAG_OF_KEY)) assert.ok(help.includes(f), `${f} missing from --help`);
    assert.ok(help.includes('--config.file') && help.includes('--check') && help.includes('--version'));
  }
});

test('the names table of docs/architecture.md, the flags and the config keys agree', () => {
  const flags = flagNames();
  const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('## Names'), doc.indexOf('## Exit codes'));
  const documentedFlags = [...table.matchAll(/`(--[a-z][\w.-]*)/g)].map((m) => m[1] as string);
  assert.ok(documentedFlags.length >= 15);
  for (const f of documentedFlags) assert.ok(flags.includes(f), `${f} (docs/architecture.md) is not a flag`);

  const documentedKeys = [...table.matchAll(/^\|[^|]*\|[^|]*\| `([a-z_.]+)(?:: false)?` \|/gm)].map((m) => m[1] as string);
  const schemaKeys: string[] = [];
  for (const [k, v] of Object.entries(CONFIG_SCHEMA.properties)) {
    if ('properties' in v) for (const sub of Object.keys(v.properties)) schemaKeys.push(`${k}.${sub}`);
    else schemaKeys.push(k);
  }
  for (const k of documentedKeys) assert.ok(schemaKeys.includes(k), `config key ${k} (docs/architecture.md) is not in the schema`);
  assert.deepEqual(schemaKeys.sort(), Object.keys(FLAG_OF_KEY).sort(), 'schema keys and FLAG_OF_KEY');
  for (const f of Object.values(FLAG_OF_KEY)) assert.ok(flags.includes(f), `${f} is not a flag`);
});

test('listen addresses: :port, host:port, [v6]:port', () => {
  assert.deepEqual(parseListenAddress(':9717'), { host: '', port: 9717 });
  assert.deepEqual(parseListenAddress('127.0.0.1:9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseListenAddress('[::1]:9717'), { host: '::1', port: 9717 });
  assert.deepEqual(parseListenAddress('[::]:0'), { host: '::', port: 0 });
  assert.deepEqual(parseListenAddress('localhost:9717'), { host: 'localhost', port: 9717 });
  assert.deepEqual(parseListenAddress('node-1.example.com:80'), { host: 'node-1.example.com', port: 80 });
  for (const bad of ['9717', 'localhost', ':', ':abc', ':65536', '[::1]', '[nope]:1', '::1:9717', '300.1.1.1:1', 'a b:1', 'host:-1']) {
    assert.ok('error' in parseListenAddress(bad), bad);
  }
});
