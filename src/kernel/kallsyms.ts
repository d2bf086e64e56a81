// Kernel symbols from /proc/kallsyms. Addresses read as 0 without CAP_SYSLOG; names are still listed.
import { readFileSync } from 'node:fs';
import { ExitCode, FatalError } from '../errors.js';

export interface KernelSymbols {
  has(name: string): boolean;
  /** [start, end) of a text symbol: end is the next symbol's address. Undefined if absent or hidden. */
  range(name: string): { start: bigint; end: bigint } | undefined;
  readonly addressesVisible: boolean;
}

export const WALK_FUNCTIONS = ['fsnotify_set_children_dentry_flags', '__fsnotify_update_child_dentry_flags'] as const;
export type WalkFunction = (typeof WALK_FUNCTIONS)[number];
export const PARENT_FUNCTION = '__fsnotify_parent';
/** The qspinlock slow path, in the order to try: x86 without and with paravirt, then the generic name (arm64). */
export const SLOWPATH_FUNCTIONS = [
  'native_queued_spin_lock_slowpath',
  '__pv_queued_spin_lock_slowpath',
  'queued_spin_lock_slowpath',
] as const;

/** The watch syscalls the daemon follows, by the name their tracepoints and syscall functions use. */
export const WATCH_SYSCALLS = ['inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark'] as const;
export type WatchSyscall = (typeof WATCH_SYSCALLS)[number];
/** A syscall's own function is the arch's wrapper (x86-64, arm64), or plain sys_<name> without wrappers. */
const SYSCALL_PREFIXES = ['__x64_sys_', '__arm64_sys_', 'sys_'] as const;
const syscallNames = (name: WatchSyscall) => SYSCALL_PREFIXES.map((p) => `${p}${name}`);

/** The function that runs syscall `name` on this kernel, if kallsyms lists one. */
export function syscallFunction(symbols: KernelSymbols, name: WatchSyscall): string | undefined {
  return syscallNames(name).find((f) => symbols.has(f));
}

/** The creators and churn probes' functions (issue 16), in the kernel from 5.10 to 7.x. */
export const ROOT_CAUSE_FUNCTIONS = ['d_splice_alias', 'd_add', '__d_instantiate', 'd_instantiate', 'd_delete', 'fsnotify_add_mark_locked', 'fsnotify_detach_mark'] as const;
export type RootCauseFunction = (typeof ROOT_CAUSE_FUNCTIONS)[number];

/** Every name the daemon asks about; only these are kept (the file has ~200k lines). */
export const WANTED_SYMBOLS: readonly string[] = [...WALK_FUNCTIONS, PARENT_FUNCTION, ...SLOWPATH_FUNCTIONS, ...WATCH_SYSCALLS.flatMap(syscallNames), ...ROOT_CAUSE_FUNCTIONS];

/** Calls fn(addressHex, name) for each text symbol ("ffffffff81744440 T name", modules add "\t[mod]"). */
function forEachTextSymbol(text: string, fn: (addr: string, name: string) => void): void {
  for (let at = 0; at < text.length; ) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const sp1 = text.indexOf(' ', at);
    if (sp1 > 0 && sp1 + 3 < nl && text[sp1 + 2] === ' ' && (text[sp1 + 1] === 'T' || text[sp1 + 1] === 't')) {
      const rest = text.slice(sp1 + 3, nl); // not indexOf on the whole text: core symbols have no tab
      const tab = rest.indexOf('\t');
      fn(text.slice(at, sp1), tab < 0 ? rest : rest.slice(0, tab));
    }
    at = nl + 1;
  }
}

/**
 * Scans the text without keeping it: the addresses of `wanted`, and for each the next text
 * symbol's address (the end of its range). Addresses are fixed-width hex, compared as strings.
 */
export function parseKallsyms(text: string, wanted: readonly string[] = WANTED_SYMBOLS): KernelSymbols {
  const want = new Set(wanted);
  const found = new Map<string, string>();
  let visible = false;
  forEachTextSymbol(text, (addr, name) => {
    if (!visible && /[1-9a-f]/.test(addr)) visible = true;
    if (want.has(name) && !found.has(name)) found.set(name, addr);
  });
  const ends = new Map<string, string>();
  const starts = [...found].filter(([, a]) => /[1-9a-f]/.test(a));
  if (starts.length > 0)
    forEachTextSymbol(text, (addr) => {
      for (const [name, start] of starts) {
        if (addr.length !== start.length || addr <= start) continue;
        const best = ends.get(name);
        if (best === undefined || addr < best) ends.set(name, addr);
      }
    });
  return {
    addressesVisible: visible,
    has: (name) => {
      if (!want.has(name)) throw new Error(`kallsyms: ${name} is not in WANTED_SYMBOLS`);
      return found.has(name);
    },
    range(name) {
      const start = found.get(name);
      const end = ends.get(name);
      if (start === undefined || end === undefined || !/[1-9a-f]/.test(start)) return undefined;
      return { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`) };
    },
  };
}

export function readKallsyms(path = '/proc/kallsyms'): KernelSymbols {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    // a sandbox can hide it: systemd's ProtectKernelTunables=yes makes /proc/kallsyms unreadable
    throw new FatalError(ExitCode.PRIVILEGE, `cannot read ${path} (${code})`, 'leave /proc/kallsyms readable to the daemon (not ProtectKernelTunables=yes; see systemd/fsnotify-exporter.service)');
  }
  return parseKallsyms(text);
}
