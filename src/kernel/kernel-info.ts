// What the running kernel is, and which fsnotify code path it has.
import { existsSync, readFileSync } from 'node:fs';
import { release, arch } from 'node:os';
import type { KernelSymbols, WalkFunction } from './kallsyms.js';
import { WALK_FUNCTIONS } from './kallsyms.js';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

export interface KernelInfo {
  release: string;
  arch: string;
  walkFunction: WalkFunction | undefined;
  /** d_subdirs (list_head, before 6.8) or d_children (hlist, 6.8+); from the kernel's BTF. */
  childList: 'd_subdirs' | 'd_children' | 'unknown';
  /** 172e422ffea2 "fsnotify: clear PARENT_WATCHED flags lazily": it renamed the walk. */
  lazyClear: boolean;
  btf: boolean;
}

/** The BTF string table names every struct member, so a member name tells the layout. */
export function childListFromBtf(btf: Buffer): KernelInfo['childList'] {
  if (btf.includes('\0d_children\0')) return 'd_children';
  if (btf.includes('\0d_subdirs\0')) return 'd_subdirs';
  return 'unknown';
}

export function readKernelInfo(symbols: KernelSymbols, btfPath = VMLINUX_BTF): KernelInfo {
  const btf = existsSync(btfPath);
  const walkFunction = WALK_FUNCTIONS.find((f) => symbols.has(f));
  return {
    release: release(),
    arch: arch(),
    walkFunction,
    childList: btf ? childListFromBtf(readFileSync(btfPath)) : 'unknown',
    lazyClear: walkFunction === 'fsnotify_set_children_dentry_flags',
    btf,
  };
}
