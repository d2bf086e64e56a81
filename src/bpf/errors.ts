// libbpf failures as errors a user can act on. libbpf 1.x int APIs return -errno; pointer APIs
// return NULL and set errno.
import { constants } from 'node:os';
import { ExitCode, FatalError } from '../errors.js';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]): [number, string] => [n, name]));
// kernel-internal codes that reach user space through bpf()
ERRNO_NAMES.set(524, 'ENOTSUPP');
// 11 is EWOULDBLOCK too; the kernel returns it as EAGAIN
ERRNO_NAMES.set(11, 'EAGAIN');

/** What the verifier's EAGAIN means: a signal was pending on the loading thread (kernel/bpf/verifier.c do_check). */
export const INTERRUPTED_BY_SIGNAL = 'interrupted by a signal during verification (EAGAIN)';

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

/** A libbpf call failed; `call` names it, `subject` the object, program or map. */
export class LibbpfError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly subject: string,
    readonly log: readonly string[] = [],
  ) {
    super(`${call}(${subject}): ${errnoName(errno)}`);
    this.name = 'LibbpfError';
  }

  get code(): string {
    return errnoName(this.errno);
  }
}

function lastLines(log: readonly string[], n: number): string {
  return log
    .slice(-n)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
}

/** The program a failed bpf_object__load names as rejected (libbpf: "prog 'X': BPF program load failed"). */
export function rejectedProgram(log: readonly string[]): string | undefined {
  for (const entry of log) {
    const m = /prog '([\w.]+)': (?:BPF program load failed|failed to load)/.exec(entry);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The line of a failed load that says why: a CO-RE relocation no flavour resolves, else the
 * verifier's last word before its statistics, else libbpf's own line.
 */
export function verifierReason(log: readonly string[]): string {
  const lines = log.flatMap((l) => l.split('\n')).map((l) => l.trim()).filter(Boolean);
  const core = lines.map((l) => /failed to resolve CO-RE relocation.*$/.exec(l)?.[0]).find(Boolean);
  if (core) return core;
  const begin = lines.findIndex((l) => l.includes('-- BEGIN PROG LOAD LOG --'));
  const end = lines.findIndex((l, i) => i > begin && l.includes('-- END PROG LOAD LOG --'));
  if (begin >= 0) {
    const block = lines.slice(begin + 1, end > begin ? end : undefined).filter((l) => !/^(processed \d+ insns|verification time|stack depth|func#\d+ @)/.test(l));
    const last = block[block.length - 1];
    if (last) return last;
  }
  return lines.map((l) => /prog '[\w.]+': (BPF program load failed: .*)$/.exec(l)?.[1]).find(Boolean) ?? lines[lines.length - 1] ?? 'no reason in the log';
}

/** Why a bpf_object__load failed: a signal's EAGAIN says so (its verifier log ends anywhere), else the log's reason. */
export function loadFailureReason(e: LibbpfError): string {
  return e.code === 'EAGAIN' ? INTERRUPTED_BY_SIGNAL : verifierReason(e.log);
}

/** Failures of open/load that no other mechanism will fix. Others (e.g. fentry refused) are not fatal. */
export function fatalForLoad(e: LibbpfError, objectPath: string): FatalError | undefined {
  if (e.call === 'bpf_object__open_file') {
    if (e.code === 'ENOENT') return new FatalError(ExitCode.BPF_OBJECT, `BPF object ${objectPath} not found`, 'reinstall, or point --bpf.object at fsnotify.<arch>.bpf.o');
    return new FatalError(ExitCode.BPF_OBJECT, `BPF object ${objectPath} cannot be opened (${e.code}): not a valid BPF ELF object`, 'rebuild it with npm run build:bpf or reinstall');
  }
  if (e.code === 'EPERM' && process.getuid?.() !== 0)
    return new FatalError(ExitCode.PRIVILEGE, `loading BPF programs was refused (EPERM) for uid ${process.getuid?.()}`, 'run as root, or with CAP_BPF, CAP_PERFMON and CAP_SYSLOG');
  return undefined;
}

/** Turns a load failure of the last remaining candidate into a fatal error. */
export function fatalLoadError(e: LibbpfError, objectPath: string): FatalError {
  const known = fatalForLoad(e, objectPath);
  if (known) return known;
  if (e.code === 'EPERM')
    return new FatalError(ExitCode.PRIVILEGE, 'the kernel refused to load the BPF programs (EPERM)', 'run as root or with CAP_BPF, CAP_PERFMON and CAP_SYSLOG; check kernel.unprivileged_bpf_disabled and lockdown');
  if (e.code === 'ENOENT' || e.code === 'ESRCH')
    return new FatalError(ExitCode.KERNEL, `the kernel lacks what the BPF object needs (${e.code}): ${lastLines(e.log, 2)}`, 'run a kernel with BTF and the fsnotify walk');
  if (e.code === 'EAGAIN') return new FatalError(ExitCode.BPF_OBJECT, `loading ${e.subject} was ${INTERRUPTED_BY_SIGNAL}`, 'start it again');
  if (e.code === 'EACCES' || e.code === 'EINVAL' || e.code === 'E2BIG')
    return new FatalError(ExitCode.BPF_OBJECT, `the verifier rejected ${e.subject} (${e.code}): ${verifierReason(e.log)}`, 'report this with the output of --log.level=debug');
  return new FatalError(ExitCode.BPF_OBJECT, `loading ${e.subject} failed (${e.code})`, 'run with --log.level=debug for libbpf\'s log');
}

/** Why an attach failed, in words: ENOENT means "no such function" or "no kprobes at all". */
export function attachFailureReason(
  e: unknown,
  facts: { kprobes: boolean; symbolPresent: () => boolean; perfEventParanoid?: number; tracefs?: () => { path: string; mounted: boolean } },
): string {
  if (!(e instanceof LibbpfError)) return String(e);
  if (e.call === 'bpf_program__attach_kprobe') {
    if (!facts.kprobes) return 'the kernel has no kprobes (CONFIG_KPROBES is off)';
    if (!facts.symbolPresent()) return `${e.subject} is not in /proc/kallsyms`;
    if (e.code === 'EINVAL' || e.code === 'ENOENT') return `the kernel refuses a kprobe on ${e.subject} (${e.code}: blacklisted or notrace)`;
  }
  if (e.call === 'bpf_program__attach_tracepoint' && e.code === 'ENOENT') {
    const t = facts.tracefs?.();
    if (t && !t.mounted) return `tracefs is not mounted at ${t.path}, so tracepoint ${e.subject} cannot be found: mount -t tracefs tracefs ${t.path}`;
    return `tracepoint ${e.subject} does not exist on this kernel`;
  }
  if (e.code === 'EPERM') return `${e.call} refused (EPERM): missing CAP_PERFMON or CAP_BPF?`;
  // Debian's kernels default to kernel.perf_event_paranoid=3, a Debian patch under which
  // perf_event_open (tracepoints, kprobes; not fentry) needs CAP_SYS_ADMIN, CAP_PERFMON is not enough
  if (e.code === 'EACCES' && facts.perfEventParanoid !== undefined && facts.perfEventParanoid >= 3)
    return `perf_event_open refused (EACCES): kernel.perf_event_paranoid=${facts.perfEventParanoid} needs CAP_SYS_ADMIN for tracepoints and kprobes; set kernel.perf_event_paranoid=2 or grant CAP_SYS_ADMIN`;
  return `${e.call}(${e.subject}) failed: ${e.code}`;
}
