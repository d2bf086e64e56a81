// Linux capabilities: which ones we hold (preflight: name the missing one) and dropping those no
// longer needed once everything is attached (ebpf_exporter's --capabilities.keep, default drop).
//
// What the daemon needs after attaching: nothing, on 5.19+ kernels. Since "bpf: Allow unprivileged
// bpf for most commands with fd" (5.19), kernel.unprivileged_bpf_disabled only blocks BPF_MAP_CREATE
// and BPF_PROG_LOAD; map lookups, batch reads, BPF_OBJ_GET_INFO_BY_FD and the ring buffer work on
// the fds we already hold. /dev/kmsg is opened before the drop, kallsyms read before it. Older
// kernels refuse every bpf() command without CAP_BPF while that sysctl is set, so CAP_BPF stays.
// CAP_SYS_PTRACE, when granted, stays too: the watchers read other processes' fdinfo with it.
//
// Capabilities are per thread (capset(2) changes the calling thread only). Every bpf(), perf and
// socket call of ours runs on the main thread, which is the one dropped; threads that already
// exist (V8's platform workers, libuv's pool if started) are reported, not hidden.
import { readdirSync, readFileSync } from 'node:fs';
import koffi from 'koffi';

export const CAP = {
  SETPCAP: 8,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  SYSLOG: 34,
  PERFMON: 38,
  BPF: 39,
} as const;

// capability(7) numbers, for messages
const ALL_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];
export const capName = (cap: number): string => (ALL_NAMES[cap] ? `CAP_${ALL_NAMES[cap]}` : `cap ${cap}`);

export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  bounding: bigint;
  ambient: bigint;
}

/** Parses the Cap* lines of /proc/<pid>/status (or /proc/<pid>/task/<tid>/status). */
export function parseCapabilities(status: string): CapabilitySets {
  const get = (field: string) => {
    const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    return m ? BigInt(`0x${m[1]}`) : 0n;
  };
  return { effective: get('CapEff'), permitted: get('CapPrm'), inheritable: get('CapInh'), bounding: get('CapBnd'), ambient: get('CapAmb') };
}

export const has = (set: bigint, cap: number): boolean => (set & (1n << BigInt(cap))) !== 0n;

export function ownCapabilities(): CapabilitySets {
  return parseCapabilities(readFileSync('/proc/thread-self/status', 'utf8'));
}

/** The capabilities an effective set lacks for loading and attaching, in the order to report them. */
export function missingForAttach(effective: bigint): number[] {
  // CAP_SYS_ADMIN implies CAP_BPF and CAP_PERFMON (and is the only way before 5.8)
  if (has(effective, CAP.SYS_ADMIN)) return [];
  return [CAP.BPF, CAP.PERFMON].filter((c) => !has(effective, c));
}

/** What must survive the drop on this kernel (see the header). */
export function neededAfterAttach(release: string, unprivilegedBpfDisabled: number, effective: bigint): number[] {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const fdCommandsNeedCap = unprivilegedBpfDisabled !== 0 && (major < 5 || (major === 5 && minor < 19));
  // the watchers' /proc/<pid>/fdinfo scan (read-only ptrace access), when the operator granted it
  const ptrace = has(effective, CAP.SYS_PTRACE) ? [CAP.SYS_PTRACE] : [];
  if (!fdCommandsNeedCap) return ptrace;
  return [has(effective, CAP.BPF) ? CAP.BPF : CAP.SYS_ADMIN, ...ptrace];
}

const libc = koffi.load('libc.so.6');
const CapHeader = koffi.struct('__user_cap_header_struct', { version: 'uint32_t', pid: 'int' });
const CapData = koffi.struct('__user_cap_data_struct', { effective: 'uint32_t', permitted: 'uint32_t', inheritable: 'uint32_t' });
const capset = libc.func('int capset(__user_cap_header_struct *hdr, __user_cap_data_struct *data)') as unknown as (h: object, d: object[]) => number;
void CapData;
const prctl = libc.func('int prctl(int option, ...)') as unknown as (...args: unknown[]) => number;
const errnoLocation = libc.func('int *__errno_location(void)') as unknown as () => unknown;
const errno = () => koffi.decode(errnoLocation(), 'int') as number;

const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const ul = 'unsigned long';

function lastCap(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {
    return 40;
  }
}

export interface DropResult {
  kept: string[];
  dropped: string[];
  /** the main thread's sets after the drop, read back from /proc */
  after: CapabilitySets;
  /** other threads of the process that still hold an effective capability */
  threadsStillCapable: number;
}

/**
 * Drops every capability but `keep` from the calling (main) thread: ambient cleared, bounding set
 * reduced when we may (CAP_SETPCAP), then effective/permitted/inheritable set by capset(2).
 * Throws an Error naming the failed call; the caller decides whether that is fatal.
 */
export function dropCapabilities(keep: number[]): DropResult {
  const before = ownCapabilities();
  const keepMask = keep.reduce((m, c) => m | (1n << BigInt(c)), 0n);

  if (prctl(PR_CAP_AMBIENT, ul, PR_CAP_AMBIENT_CLEAR_ALL, ul, 0, ul, 0, ul, 0) !== 0) throw new Error(`prctl(PR_CAP_AMBIENT_CLEAR_ALL) failed: errno ${errno()}`);
  if (has(before.effective, CAP.SETPCAP)) {
    for (let c = 0; c <= lastCap(); c++)
      if (!has(keepMask, c) && has(before.bounding, c) && prctl(PR_CAPBSET_DROP, ul, c, ul, 0, ul, 0, ul, 0) !== 0)
        throw new Error(`prctl(PR_CAPBSET_DROP, ${capName(c)}) failed: errno ${errno()}`);
  }
  const keepNow = keepMask & before.permitted;
  const lo = Number(keepNow & 0xffffffffn);
  const hi = Number((keepNow >> 32n) & 0xffffffffn);
  const data = [
    { effective: lo, permitted: lo, inheritable: 0 },
    { effective: hi, permitted: hi, inheritable: 0 },
  ];
  if (capset({ version: LINUX_CAPABILITY_VERSION_3, pid: 0 }, data) !== 0) throw new Error(`capset failed: errno ${errno()}`);

  const after = ownCapabilities();
  const dropped: string[] = [];
  for (let c = 0; c <= lastCap(); c++) if (has(before.permitted, c) && !has(after.permitted, c)) dropped.push(capName(c));
  return { kept: keep.filter((c) => has(after.permitted, c)).map(capName), dropped, after, threadsStillCapable: capableThreads() };
}

function capableThreads(): number {
  const self = readFileSync('/proc/thread-self/status', 'utf8').match(/^Pid:\s*(\d+)$/m)?.[1];
  let n = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (tid === self) continue;
    try {
      if (parseCapabilities(readFileSync(`/proc/self/task/${tid}/status`, 'utf8')).effective !== 0n) n++;
    } catch {
      // the thread ended
    }
  }
  return n;
}
