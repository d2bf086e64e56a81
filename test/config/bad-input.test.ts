// Bad flags, config files and web config files: each is ONE line naming the problem and the fix,
// with its exit code (docs/architecture.md). Exact lines: a change in wording is a change here.
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseOptions } from '../../src/config/cli.js';
import { loadWebConfig } from '../../src/config/web-config.js';
import { ExitCode, FatalError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fsnotify-exporter-bad-input-'));
const config = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
/** A file of `bytes` zeros that takes no disk (a hole). */
const sparse = (name: string, bytes: number) => {
  writeFileSync(join(dir, name), '');
  truncateSync(join(dir, name), bytes);
  return join(dir, name);
};
const MiB = 1024 * 1024;
const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/web/${name}`, import.meta.url));
const flags = (...argv: string[]) => () => parseOptions(argv, '0.0.0-test');
const web = (path: string) => () => loadWebConfig(path);

interface Case {
  name: string;
  run: () => unknown;
  code: number;
  line: string;
}

const P = 'fsnotify-exporter: ';
const CASES: Case[] = [
  // flags: exit 2
  { name: 'unknown flag', run: flags('--no-such-flag'), code: ExitCode.USAGE, line: `${P}unknown flag '--no-such-flag'; run with --help for the flags` },
  { name: 'misspelt flag', run: flags('--stirct'), code: ExitCode.USAGE, line: `${P}unknown flag '--stirct' (did you mean --strict?); run with --help for the flags` },
  { name: 'value on a switch', run: flags('--check=yes'), code: ExitCode.USAGE, line: `${P}--check takes no value; pass --check alone, without "=yes"` },
  { name: 'missing value', run: flags('--web.listen-address'), code: ExitCode.USAGE, line: `${P}--web.listen-address needs a value; pass --web.listen-address=:9717` },
  { name: 'positional argument', run: flags('metrics'), code: ExitCode.USAGE, line: `${P}unexpected argument "metrics" (flags take no positional arguments); write flags as --name=value` },
  { name: 'not a number', run: flags('--children-scan.cap=lots'), code: ExitCode.USAGE, line: `${P}--children-scan.cap: "lots" must be an integer from 1 to 8388608; for example --children-scan.cap=1048576 (the default)` },
  { name: 'negative cap', run: flags('--children-scan.cap=-1'), code: ExitCode.USAGE, line: `${P}--children-scan.cap: "-1" must be an integer from 1 to 8388608; for example --children-scan.cap=1048576 (the default)` },
  { name: 'cap above 2^23', run: flags('--children-scan.cap=8388609'), code: ExitCode.USAGE, line: `${P}--children-scan.cap: "8388609" must be an integer from 1 to 8388608; for example --children-scan.cap=1048576 (the default)` },
  { name: 'top directories 0', run: flags('--top-directories=0'), code: ExitCode.USAGE, line: `${P}--top-directories: "0" must be an integer from 1 to 2000; for example --top-directories=20 (the default)` },
  { name: 'ratio 0', run: flags('--near-softlockup.ratio=0'), code: ExitCode.USAGE, line: `${P}--near-softlockup.ratio: "0" must be a number above 0 and at most 1; for example --near-softlockup.ratio=0.5 (the default)` },
  { name: 'ratio 1.5', run: flags('--near-softlockup.ratio=1.5'), code: ExitCode.USAGE, line: `${P}--near-softlockup.ratio: "1.5" must be a number above 0 and at most 1; for example --near-softlockup.ratio=0.5 (the default)` },
  { name: 'bad duration', run: flags('--slow-walk.threshold=soon'), code: ExitCode.USAGE, line: `${P}--slow-walk.threshold: "soon" must be a duration like 250ms, 10s, 1m or 1h30m; for example --slow-walk.threshold=50ms (the default)` },
  { name: 'fractional duration', run: flags('--children-scan.interval=1.5s'), code: ExitCode.USAGE, line: `${P}--children-scan.interval: "1.5s" must be a duration like 250ms, 10s, 1m or 1h30m (whole numbers only: 1500ms, not 1.5s); for example --children-scan.interval=10s (the default)` },
  { name: 'duration out of range', run: flags('--near-softlockup.check-interval=1ms'), code: ExitCode.USAGE, line: `${P}--near-softlockup.check-interval: "1ms" must be a duration from 10ms to 10m; for example --near-softlockup.check-interval=1s (the default)` },
  { name: 'bad log level', run: flags('--log.level=verbose'), code: ExitCode.USAGE, line: `${P}--log.level: "verbose" must be one of fatal, error, warn, info, debug, trace, silent; for example --log.level=info (the default)` },
  { name: 'bad mechanism', run: flags('--bpf.mechanism=uprobe'), code: ExitCode.USAGE, line: `${P}--bpf.mechanism: "uprobe" must be one of auto, fentry, kprobe; for example --bpf.mechanism=auto (the default)` },
  { name: 'listen address without port', run: flags('--web.listen-address=localhost'), code: ExitCode.USAGE, line: `${P}--web.listen-address: "localhost" must be [host]:port, e.g. :9717, 127.0.0.1:9717 or [::1]:9717; for example --web.listen-address=:9717 (the default)` },
  { name: 'IPv6 without brackets', run: flags('--web.listen-address=::1:9717'), code: ExitCode.USAGE, line: `${P}--web.listen-address: "::1:9717" has an IPv6 address without brackets: use [::1]:9717; for example --web.listen-address=:9717 (the default)` },
  { name: 'port above 65535', run: flags('--web.listen-address=:70000'), code: ExitCode.USAGE, line: `${P}--web.listen-address: ":70000" has port 70000, above 65535; for example --web.listen-address=:9717 (the default)` },
  { name: 'telemetry path taken', run: flags('--web.telemetry-path=/healthz'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "/healthz" is used by the server itself (/, /healthz, /readyz, /api/v1/slow-walks); for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path with %00', run: flags('--web.telemetry-path=/%00'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "/%00" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path with an encoded slash', run: flags('--web.telemetry-path=/metrics%2Fx'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "/metrics%2Fx" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path with ..', run: flags('--web.telemetry-path=/a/../metrics'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "/a/../metrics" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path with //', run: flags('--web.telemetry-path=//metrics'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "//metrics" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path with a query', run: flags('--web.telemetry-path=/metrics?x=1'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "/metrics?x=1" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  { name: 'telemetry path without /', run: flags('--web.telemetry-path=metrics'), code: ExitCode.USAGE, line: `${P}--web.telemetry-path: "metrics" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example --web.telemetry-path=/metrics (the default)` },
  {
    name: 'a bad flag wins over a good config file',
    run: () => parseOptions([`--config.file=${config('good.yml', 'top_directories: 50\n')}`, '--top-directories=0']),
    code: ExitCode.USAGE,
    line: `${P}--top-directories: "0" must be an integer from 1 to 2000; for example --top-directories=20 (the default)`,
  },

  // config file: exit 3
  { name: 'config file missing', run: flags('--config.file=/nonexistent/fsnotify-exporter.yml'), code: ExitCode.CONFIG, line: `${P}cannot read config file /nonexistent/fsnotify-exporter.yml (ENOENT); check --config.file` },
  { name: 'config file is a directory', run: flags(`--config.file=${dir}`), code: ExitCode.CONFIG, line: `${P}cannot read config file ${dir} (EISDIR); --config.file must name a file, not a directory` },
  {
    name: 'config not YAML',
    run: flags(`--config.file=${config('syntax.yml', 'web:\n  listen_address: ":9717\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'syntax.yml')} is not valid YAML (line 3, column 1): Missing closing "quote; fix the YAML syntax`,
  },
  {
    name: 'config duplicate key',
    run: flags(`--config.file=${config('dup.yml', 'strict: true\nstrict: false\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'dup.yml')} is not valid YAML (line 2, column 1): Map keys must be unique; fix the YAML syntax`,
  },
  {
    name: 'config unknown key',
    run: flags(`--config.file=${config('unknown.yml', 'children_scan:\n  kap: 5\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'unknown.yml')}: unknown key children_scan.kap (did you mean children_scan.cap?); remove it or fix its spelling (keys mirror the flags: --children-scan.cap is children_scan: {cap: ...})`,
  },
  {
    name: 'config flat key',
    run: flags(`--config.file=${config('flat.yml', 'slow_walk.threshold: 10ms\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'flat.yml')}: unknown key slow_walk.threshold; nest it: "slow_walk: {threshold: ...}", or "slow_walk:" and "  threshold: ..." on the next line`,
  },
  {
    name: 'config wrong type',
    run: flags(`--config.file=${config('type.yml', 'top_directories: many\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'type.yml')}: top_directories: "many" must be an integer from 1 to 2000; for example "top_directories: 20" (the default)`,
  },
  {
    name: 'config ratio out of range',
    run: flags(`--config.file=${config('ratio.yml', 'near_softlockup:\n  ratio: 1.5\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'ratio.yml')}: near_softlockup.ratio: 1.5 must be a number above 0 and at most 1; for example "near_softlockup: {ratio: 0.5}" (the default)`,
  },
  {
    name: 'config duration as a number',
    run: flags(`--config.file=${config('number.yml', 'slow_walk:\n  threshold: 50\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'number.yml')}: slow_walk.threshold: 50 must be a duration like 250ms, 10s, 1m or 1h30m (a string); for example "slow_walk: {threshold: 50ms}" (the default)`,
  },
  {
    name: 'config zero duration',
    run: flags(`--config.file=${config('zero.yml', 'children_scan:\n  interval: 0s\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'zero.yml')}: children_scan.interval: "0s" must be a duration from 1ms to 1d; for example "children_scan: {interval: 10s}" (the default)`,
  },
  {
    name: 'config telemetry path percent-encoded',
    run: flags(`--config.file=${config('path.yml', 'web:\n  telemetry_path: /metrics%2Fx\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'path.yml')}: web.telemetry_path: "/metrics%2Fx" must be a URL path starting with / of letters, digits and - . _ ~ / (not percent-encoded, no empty, . or .. segments), e.g. /metrics; for example "web: {telemetry_path: /metrics}" (the default)`,
  },
  {
    name: 'config file above 1 MiB',
    run: flags(`--config.file=${sparse('big.yml', 2 * MiB)}`),
    code: ExitCode.CONFIG,
    line: `${P}cannot read config file ${join(dir, 'big.yml')} (2.0 MiB, above the 1 MiB limit); --config.file must name a YAML file of at most 1 MiB`,
  },
  { name: 'config file /dev/zero', run: flags('--config.file=/dev/zero'), code: ExitCode.CONFIG, line: `${P}cannot read config file /dev/zero (a character device, not a regular file); --config.file must name a regular file` },
  {
    name: 'config nested 100,000 deep',
    run: flags(`--config.file=${config('deep.yml', '['.repeat(100_000))}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'deep.yml')} nests too deeply to parse; look for unclosed [ or { (a config file needs two levels)`,
  },
  {
    name: 'config not a mapping',
    run: flags(`--config.file=${config('list.yml', '- strict\n')}`),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'list.yml')}: the file must be a mapping of keys to values, not a list; write it as "key: value" lines, e.g. top_directories: 20`,
  },
  {
    name: 'a bad config file fails even where a flag overrides the key',
    run: flags(`--config.file=${config('override.yml', 'log:\n  level: loud\n')}`, '--log.level=debug'),
    code: ExitCode.CONFIG,
    line: `${P}config file ${join(dir, 'override.yml')}: log.level: "loud" must be one of fatal, error, warn, info, debug, trace, silent; for example "log: {level: info}" (the default)`,
  },

  // web config file: exit 4
  { name: 'web config missing', run: web('/nonexistent/web.yml'), code: ExitCode.WEB_CONFIG, line: `${P}cannot read web config file /nonexistent/web.yml (ENOENT); check --web.config.file` },
  {
    name: 'web config not YAML',
    run: web(fixture('bad-yaml.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config file ${fixture('bad-yaml.yml')} is not valid YAML (line 3, column 1): Flow sequence in block collection must be sufficiently indented and end with a ]; fix the YAML syntax`,
  },
  {
    name: 'web config unknown key',
    run: web(fixture('unknown-key.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('unknown-key.yml')}: unknown key tls_server_config.cert_fil (did you mean tls_server_config.cert_file?); remove it or fix its spelling (the format is exporter-toolkit's web config)`,
  },
  {
    name: 'web config wrong type',
    run: web(fixture('wrong-type.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('wrong-type.yml')}: basic_auth_users: "yes" must be a mapping of keys to values; see "Web configuration" in README.md`,
  },
  {
    name: 'web config bad bcrypt hash',
    run: web(fixture('bad-bcrypt.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('bad-bcrypt.yml')}: the password of user "alice" is not a bcrypt hash; generate one with: htpasswd -nBC 10 "" | tr -d ':\\n'`,
  },
  {
    name: 'web config missing cert file',
    run: web(fixture('missing-cert.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('missing-cert.yml')}: cannot read cert_file ${fixture('missing.crt')} (ENOENT); check cert_file (relative paths start at the web config's directory)`,
  },
  {
    name: 'web config nested 100,000 deep',
    run: web(config('deep-web.yml', `basic_auth_users: ${'{'.repeat(100_000)}`)),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config file ${join(dir, 'deep-web.yml')} nests too deeply to parse; look for unclosed [ or { (a web config file needs three levels)`,
  },
  {
    name: 'web config cert_file above 1 MiB',
    run: () => {
      sparse('big.crt', 2 * MiB);
      return loadWebConfig(config('big-cert.yml', 'tls_server_config:\n  cert_file: big.crt\n  key_file: big.key\n'));
    },
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${join(dir, 'big-cert.yml')}: cannot read cert_file ${join(dir, 'big.crt')} (2.0 MiB, above the 1 MiB limit); cert_file must name a PEM file of at most 1 MiB`,
  },
  {
    name: 'web config cert_file /dev/zero',
    run: web(config('zero-cert.yml', 'tls_server_config:\n  cert_file: /dev/zero\n  key_file: /dev/zero\n')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${join(dir, 'zero-cert.yml')}: cannot read cert_file /dev/zero (a character device, not a regular file); cert_file must name a regular file`,
  },
  {
    name: 'web config header exporter-toolkit refuses',
    run: web(fixture('bad-header.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('bad-header.yml')}: http_server_config.headers: Server cannot be set; use only Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy (as exporter-toolkit)`,
  },
  {
    name: 'web config header value exporter-toolkit refuses',
    run: web(fixture('bad-header-value.yml')),
    code: ExitCode.WEB_CONFIG,
    line: `${P}web config ${fixture('bad-header-value.yml')}: http_server_config.headers: X-Frame-Options must be one of deny, sameorigin, not "allow"; set X-Frame-Options: deny`,
  },
];

for (const c of CASES) {
  test(`${c.name} → exit ${c.code}`, () => {
    let error: unknown;
    try {
      c.run();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof FatalError, `expected a FatalError, got ${String(error)}`);
    assert.equal(error.line(), c.line);
    assert.equal(error.code, c.code);
    assert.doesNotMatch(error.line(), /\n/);
  });
}

test('the suite covers every exit code of the config layer', () => {
  const codes = new Set(CASES.map((c) => c.code));
  for (const code of [ExitCode.USAGE, ExitCode.CONFIG, ExitCode.WEB_CONFIG]) assert.ok(codes.has(code));
  assert.ok(CASES.length >= 15);
});
