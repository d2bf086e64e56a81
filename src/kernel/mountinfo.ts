// /proc/<pid>/mountinfo (proc(5)): which mount is the cgroup2 hierarchy, and which device a mount
// id (a fanotify mount mark's mnt_id) belongs to.
import { readFileSync } from 'node:fs';
import { kernelDevOfMajorMinor } from './dev-t.js';

export interface MountEntry {
  /** mount id, unique across namespaces (fanotify's mnt_id, in decimal here) */
  id: number;
  /** the kernel's dev_t of the mounted filesystem */
  dev: number;
  /** the directory of the filesystem this mount shows, e.g. "/" */
  root: string;
  mountPoint: string;
  fsType: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    const dev = kernelDevOfMajorMinor(f[2] as string);
    if (dev === undefined) continue;
    out.push({ id: Number(f[0]), dev, root: unescape(f[3] as string), mountPoint: unescape(f[4] as string), fsType: f[sep + 1] as string });
  }
  return out;
}

export function readMountinfo(pid: number | 'self' = 'self', proc = '/proc'): MountEntry[] {
  try {
    return parseMountinfo(readFileSync(`${proc}/${pid}/mountinfo`, 'utf8'));
  } catch {
    return [];
  }
}

/** The cgroup2 mount: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones. */
export function cgroup2Mount(mounts: readonly MountEntry[]): MountEntry | undefined {
  const v2 = mounts.filter((m) => m.fsType === 'cgroup2');
  return v2.find((m) => m.mountPoint === '/sys/fs/cgroup') ?? v2.find((m) => m.mountPoint === '/sys/fs/cgroup/unified') ?? v2[0];
}
