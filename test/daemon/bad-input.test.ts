// Bad input and hostile conditions: one line on stderr naming the problem and the fix, a distinct
// exit code, no stack trace, nothing left attached.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { freePort, MAIN, leftPrograms, runDaemonSync } from '../../harness/daemon.js';

const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

interface Case {
  name: string;
  args: string[] | (() => Promise<string[]>);
  env?: NodeJS.ProcessEnv;
  code: number;
  line: RegExp;
  uid?: number;
  wrapper?: string[];
  timeoutMs?: number;
}

file('not-a-library.so', 'text\n');
const fifo = (name: string) => {
  execFileSync('mkfifo', [join(dir, name)]);
  return join(dir, name);
};
const sparse = (name: string, bytes: number) => {
  truncateSync(file(name, ''), bytes);
  return join(dir, name);
};

const busy = createServer();
after(() => busy.close());

const CASES: Case[] = [
  { name: 'unknown flag', args: ['--no-such-flag'], code: 2, line: /unknown flag '--no-such-flag'; run with --help/ },
  { name: 'bad number', args: ['--children-scan.cap=lots'], code: 2, line: /--children-scan\.cap: "lots" must be an integer from 1 to 8388608/ },
  { name: 'cap out of range', args: ['--children-scan.cap=0'], code: 2, line: /--children-scan\.cap: "0" must be an integer/ },
  { name: 'ratio above 1', args: ['--near-softlockup.ratio=1.5'], code: 2, line: /--near-softlockup\.ratio: "1\.5" must be a number above 0 and at most 1/ },
  { name: 'bad duration', args: ['--slow-walk.threshold=soon'], code: 2, line: /--slow-walk\.threshold: "soon" must be a duration/ },
  { name: 'bad mechanism', args: ['--bpf.mechanism=uprobe'], code: 2, line: /--bpf\.mechanism: "uprobe" must be one of auto, fentry, kprobe/ },
  { name: 'bad listen address', args: ['--web.listen-address=nowhere'], code: 2, line: /--web\.listen-address: "nowhere" must be \[host\]:port/ },
  { name: 'config file missing', args: ['--config.file=/nonexistent/config.yml'], code: 3, line: /cannot read config file \/nonexistent\/config\.yml \(ENOENT\); check --config\.file/ },
  { name: 'config not YAML', args: () => Promise.resolve([`--config.file=${file('bad.yml', 'web: [unclosed\n')}`]), code: 3, line: /is not valid YAML/ },
  { name: 'config unknown key', args: () => Promise.resolve([`--config.file=${file('unknown.yml', 'children_scan:\n  kap: 5\n')}`]), code: 3, line: /unknown key children_scan\.kap/ },
  { name: 'config wrong type', args: () => Promise.resolve([`--config.file=${file('type.yml', 'top_directories: many\n')}`]), code: 3, line: /top_directories: "many" must be an integer from 1 to 2000/ },
  { name: 'web config missing', args: ['--web.config.file=/nonexistent/web.yml'], code: 4, line: /cannot read web config file \/nonexistent\/web\.yml \(ENOENT\)/ },
  {
    name: 'web config bad bcrypt',
    args: () => Promise.resolve([`--web.config.file=${file('web.yml', 'basic_auth_users:\n  alice: plaintext\n')}`]),
    code: 4,
    line: /the password of user "alice" is not a bcrypt hash/,
  },
  {
    name: 'web config missing cert',
    args: () => Promise.resolve([`--web.config.file=${file('tls.yml', 'tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n')}`]),
    code: 4,
    line: /cannot read cert_file .*nope\.crt \(ENOENT\)/,
  },
  {
    name: 'port in use',
    args: async () => {
      const port = await freePort();
      await new Promise<void>((r) => busy.listen(port, '127.0.0.1', () => r()));
      return [`--web.listen-address=127.0.0.1:${port}`];
    },
    code: 9,
    line: /address 127\.0\.0\.1:\d+ is already in use; stop the other process or pass --web\.listen-address/,
  },
  // a FIFO nobody writes: reading it blocks for ever, so these end the daemon within 10 s or fail
  { name: 'config file a FIFO', args: () => Promise.resolve([`--config.file=${fifo('config.fifo')}`]), timeoutMs: 10_000, code: 3, line: /cannot read config file \S+config\.fifo \(a FIFO, not a regular file\); --config\.file must name a regular file$/ },
  { name: 'web config file a FIFO', args: () => Promise.resolve([`--web.config.file=${fifo('web.fifo')}`]), timeoutMs: 10_000, code: 4, line: /cannot read web config file \S+web\.fifo \(a FIFO, not a regular file\); --web\.config\.file must name a regular file$/ },
  {
    name: 'web config key_file a FIFO',
    args: () => {
      fifo('key.fifo');
      return Promise.resolve([`--web.config.file=${file('fifo-key.yml', `tls_server_config:\n  cert_file: ${join(dir, 'not-a-library.so')}\n  key_file: key.fifo\n`)}`]);
    },
    timeoutMs: 10_000,
    code: 4,
    line: /cannot read key_file \S+key\.fifo \(a FIFO, not a regular file\); key_file must name a regular file$/,
  },
  { name: 'config file /dev/zero', args: ['--config.file=/dev/zero'], timeoutMs: 10_000, code: 3, line: /cannot read config file \/dev\/zero \(a character device, not a regular file\); --config\.file must name a regular file$/ },
  { name: 'object a FIFO', args: () => Promise.resolve([`--bpf.object=${fifo('object.fifo')}`]), timeoutMs: 10_000, code: 8, line: /cannot read BPF object \S+object\.fifo \(a FIFO, not a regular file\); --bpf\.object must name a regular file$/ },
  { name: 'object /dev/zero', args: ['--bpf.object=/dev/zero'], timeoutMs: 10_000, code: 8, line: /cannot read BPF object \/dev\/zero \(a character device, not a regular file\); --bpf\.object must name a regular file$/ },
  { name: 'object above 64 MiB', args: () => Promise.resolve([`--bpf.object=${sparse('huge.bpf.o', 65 * 1024 * 1024)}`]), code: 8, line: /cannot read BPF object \S+huge\.bpf\.o \(65\.0 MiB, above the 64 MiB limit\); --bpf\.object must name a BPF object of at most 64 MiB$/ },
  { name: 'object missing', args: ['--bpf.object=/nonexistent/x.bpf.o'], code: 8, line: /BPF object \/nonexistent\/x\.bpf\.o not found; check --bpf\.object/ },
  { name: 'object corrupt', args: () => Promise.resolve([`--bpf.object=${file('corrupt.bpf.o', 'not an ELF file at all')}`]), code: 8, line: /cannot be opened .*not a valid BPF ELF object/ },
  { name: 'LIBBPF_PATH a library that is not libbpf', args: [], env: { LIBBPF_PATH: 'libc.so.6' }, code: 7, line: /^fsnotify-exporter: LIBBPF_PATH libc\.so\.6 is not libbpf \(it has no libbpf_major_version\); point LIBBPF_PATH at libbpf\.so\.1 \(Debian: libbpf1\)$/ },
  {
    name: 'LIBBPF_PATH a file that is not a shared library',
    args: [],
    env: { LIBBPF_PATH: join(dir, 'not-a-library.so') },
    code: 7,
    line: /^fsnotify-exporter: LIBBPF_PATH \S+not-a-library\.so is not a shared library \(file too short\); point LIBBPF_PATH at libbpf\.so\.1 \(Debian: libbpf1\)$/,
  },
  { name: 'libbpf missing', args: [], env: { LIBBPF_PATH: '/nonexistent/libbpf.so.1' }, code: 7, line: /\/nonexistent\/libbpf\.so\.1 not found; check LIBBPF_PATH/ },
  { name: 'strict without walk probes', args: ['--strict'], code: 10, line: /--strict: the walk probes did not attach \(fentry: the kernel refuses fentry on \w+ \(EPERM\); kprobe: the kernel has no kprobes/ },
  { name: 'not root', args: [], uid: 65534, code: 5, line: /^fsnotify-exporter: missing capability CAP_BPF and CAP_PERFMON \(uid 65534\): loading needs CAP_BPF, attaching CAP_PERFMON; run as root, or grant CAP_BPF CAP_PERFMON CAP_SYSLOG/ },
  {
    name: 'root without CAP_PERFMON (bounding set)',
    args: [],
    wrapper: ['setpriv', '--bounding-set=-all,+bpf,+syslog,+sys_resource'],
    code: 5,
    line: /^fsnotify-exporter: missing capability CAP_PERFMON \(uid 0\): loading needs CAP_BPF, attaching CAP_PERFMON; run as root, or grant/,
  },
];

/** Whether another user can reach the checkout: every directory up to / must be searchable by others. */
function othersCanRun(): boolean {
  for (let p = resolve(MAIN); p !== '/'; p = dirname(p)) if ((statSync(p).mode & 0o005) === 0) return false;
  return true;
}

for (const c of CASES) {
  const skip = c.uid !== undefined && !othersCanRun() ? 'the checkout is not readable by other users here' : false;
  test(`${c.name} → exit ${c.code}`, { skip }, async () => {
    const args = typeof c.args === 'function' ? await c.args() : c.args;
    const port = await freePort();
    const withPort = args.some((a) => a.startsWith('--web.listen-address')) ? args : [`--web.listen-address=127.0.0.1:${port}`, ...args];
    const r = runDaemonSync(withPort, c.env ?? {}, c.timeoutMs ?? 30_000, c.uid, c.wrapper);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0] as string, /^fsnotify-exporter: /);
    assert.match(lines[0] as string, c.line);
    assert.equal(r.code, c.code, r.stderr);
    assert.deepEqual(leftPrograms(), [], 'programs left loaded');
  });
}

test('--check on this kernel: prints each probe, exit 1 (no walk probes), nothing left', () => {
  const r = runDaemonSync(['--check']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /walk_entry: NOT attached \(kprobe on fsnotify_set_children_dentry_flags\): fentry: the kernel refuses fentry on fsnotify_set_children_dentry_flags \(EPERM\); kprobe: the kernel has no kprobes/);
  assert.match(r.stdout, /watch_inotify_add: attached \(tracepoint on syscalls:sys_enter_inotify_add_watch\)/);
  assert.match(r.stdout, /lock waits: contention_tracepoint/);
  assert.deepEqual(leftPrograms(), []);
});

test('--check without tracefs: each tracepoint probe says tracefs is not mounted and how to mount it', () => {
  // a private mount namespace (unshare -m makes mounts private) where neither tracing path is mounted
  const hide = 'for m in /sys/kernel/debug/tracing /sys/kernel/tracing /sys/kernel/debug; do umount -l $m 2>/dev/null || true; done; exec "$@"';
  const r = runDaemonSync(['--check'], {}, 30_000, undefined, ['unshare', '-m', 'sh', '-c', hide, 'sh']);
  assert.equal(r.code, 1, r.stderr);
  // the exit side is attached first (src/bpf/attach-plan.ts), so its tracepoint is the one named
  assert.match(r.stdout, /watch_inotify_add: NOT attached \(tracepoint on syscalls:sys_enter_inotify_add_watch\): tracefs is not mounted at \/sys\/kernel\/tracing, so tracepoint syscalls:sys_exit_inotify_add_watch cannot be found: mount -t tracefs tracefs \/sys\/kernel\/tracing/);
  assert.deepEqual(leftPrograms(), []);
});

test('--help and --version exit 0', () => {
  assert.equal(runDaemonSync(['--help']).code, 0);
  const v = runDaemonSync(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^fsnotify-exporter \d+\.\d+\.\d+\n/);
});
