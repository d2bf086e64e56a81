import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, FatalError } from '../../src/errors.js';
import { parseKallsyms, readKallsyms, syscallFunction, WALK_FUNCTIONS, WANTED_SYMBOLS, WATCH_SYSCALLS } from '../../src/kernel/kallsyms.js';

const WANTED = [...WANTED_SYMBOLS, 'mod_fn', 'some_data'];

const SAMPLE = `ffffffff81744440 T __fsnotify_parent
ffffffff81744bd0 T fsnotify_set_children_dentry_flags
ffffffff81744a00 t fsnotify_handle_event
ffffffff81744000 D some_data
ffffffffc0000000 t mod_fn\t[mymod]
`;

test('range of a symbol ends at the next text symbol', () => {
  const s = parseKallsyms(SAMPLE, WANTED);
  assert.deepEqual(s.range('__fsnotify_parent'), { start: 0xffffffff81744440n, end: 0xffffffff81744a00n });
  assert.ok(s.has('mod_fn'));
  assert.ok(!s.has('some_data'));
  assert.ok(s.addressesVisible);
});

test('hidden addresses (no CAP_SYSLOG) give names but no ranges', () => {
  const s = parseKallsyms(SAMPLE.replace(/^[0-9a-f]{16}/gm, '0000000000000000'), WANTED);
  assert.ok(s.has('__fsnotify_parent'));
  assert.equal(s.range('__fsnotify_parent'), undefined);
  assert.ok(!s.addressesVisible);
});

test('this kernel has one of the walk functions and __fsnotify_parent', () => {
  const s = readKallsyms();
  assert.ok(WALK_FUNCTIONS.some((f) => s.has(f)));
  const r = s.range('__fsnotify_parent');
  assert.ok(r && r.end > r.start && r.end - r.start < 0x10000n);
});

test('only the wanted names are kept: asking for another is a bug', () => {
  assert.throws(() => parseKallsyms(SAMPLE).has('fsnotify_handle_event'), /not in WANTED_SYMBOLS/);
});

test("a watch syscall's own function: the arch wrapper where there is one", () => {
  const x86 = parseKallsyms('ffffffff81400000 T __x64_sys_inotify_add_watch\nffffffff81400100 T __ia32_sys_inotify_add_watch\n');
  assert.equal(syscallFunction(x86, 'inotify_add_watch'), '__x64_sys_inotify_add_watch');
  const arm64 = parseKallsyms('ffff800008400000 T __arm64_sys_fanotify_mark\n');
  assert.equal(syscallFunction(arm64, 'fanotify_mark'), '__arm64_sys_fanotify_mark');
  // no fanotify in this kernel: no function, so the probe falls back to the tracepoint (or nothing)
  assert.equal(syscallFunction(x86, 'fanotify_mark'), undefined);
});

test('this kernel lists a function for every watch syscall', () => {
  const s = readKallsyms();
  for (const name of WATCH_SYSCALLS) assert.ok(syscallFunction(s, name), name);
});

test('an unreadable kallsyms is one line and exit 5, naming the sandbox setting', () => {
  assert.throws(
    () => readKallsyms('/nonexistent/kallsyms'),
    (e: unknown) => e instanceof FatalError && e.code === ExitCode.PRIVILEGE && /^cannot read \/nonexistent\/kallsyms \(ENOENT\); leave \/proc\/kallsyms readable/.test(e.message),
  );
});
