// Kernel symbols from /proc/kallsyms. Addresses read as 0 without CAP_SYSLOG; names are still listed.
import { readFileSync } from 'node:fs';

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

export function parseKallsyms(text: string): KernelSymbols {
  const addrs = new Map<string, bigint>();
  const sorted: bigint[] = [];
  let visible = false;
  for (const line of text.split('\n')) {
    // "ffffffff81744440 T __fsnotify_parent" (modules add "\t[mod]")
    const sp1 = line.indexOf(' ');
    const sp2 = line.indexOf(' ', sp1 + 1);
    if (sp1 < 0 || sp2 < 0) continue;
    const type = line[sp1 + 1];
    if (type !== 'T' && type !== 't') continue;
    const tab = line.indexOf('\t', sp2 + 1);
    const name = line.slice(sp2 + 1, tab < 0 ? undefined : tab);
    const addr = BigInt('0x' + line.slice(0, sp1));
    if (addr !== 0n) visible = true;
    if (!addrs.has(name)) addrs.set(name, addr);
    sorted.push(addr);
  }
  sorted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    addressesVisible: visible,
    has: (name) => addrs.has(name),
    range(name) {
      const start = addrs.get(name);
      if (start === undefined || start === 0n) return undefined;
      // first address above start (binary search)
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((sorted[mid] as bigint) <= start) lo = mid + 1;
        else hi = mid;
      }
      const end = sorted[lo];
      return end === undefined ? undefined : { start, end };
    },
  };
}

export function readKallsyms(path = '/proc/kallsyms'): KernelSymbols {
  return parseKallsyms(readFileSync(path, 'utf8'));
}
