// inotify and fanotify marks a process holds, from /proc/<pid>/fd and /proc/<pid>/fdinfo/<fd>
// (fs/notify/fdinfo.c): the only place the kernel lists marks that were added before the daemon
// started. One process at a time, so the caller decides how much of /proc to read per turn.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';

/** inode: one inode (the walk's trigger when it is a directory); mount, filesystem: fanotify
 * FAN_MARK_MOUNT / FAN_MARK_FILESYSTEM, every object under them (they never start a child walk). */
export type MarkScope = 'inode' | 'mount' | 'filesystem';

export interface FdinfoMark {
  api: 'inotify' | 'fanotify';
  scope: MarkScope;
  /** kernel dev_t (major << 20 | minor): inode and filesystem marks */
  dev?: number;
  ino?: bigint;
  /** mount marks: the mount's id (mountinfo's first field) */
  mntId?: number;
  /** inotify's watch descriptor: a watch removed and added again gets a new one */
  wd?: number;
  /** the event mask as fdinfo prints it, "0x" + hex */
  mask: string;
}

const hex = (v: string | undefined): number | undefined => (v !== undefined && /^[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : undefined);

/** One line of an inotify or fanotify fd's fdinfo → its mark, or undefined for any other line. */
export function parseMarkLine(line: string): FdinfoMark | undefined {
  const api = line.startsWith('inotify ') ? 'inotify' : line.startsWith('fanotify ') ? 'fanotify' : undefined;
  if (api === undefined) return undefined;
  const f = new Map<string, string>();
  for (const token of line.split(' ')) {
    const at = token.indexOf(':');
    if (at > 0) f.set(token.slice(0, at), token.slice(at + 1));
  }
  const mask = f.get('mask');
  if (mask === undefined || hex(mask) === undefined) return undefined; // "fanotify flags:..." header
  const out: FdinfoMark = { api, scope: 'inode', mask: `0x${mask.toLowerCase()}` };
  const ino = f.get('ino');
  const sdev = hex(f.get('sdev'));
  const mntId = hex(f.get('mnt_id'));
  if (ino !== undefined && /^[0-9a-f]+$/i.test(ino) && sdev !== undefined) Object.assign(out, { dev: sdev, ino: BigInt(`0x${ino}`) });
  else if (api === 'fanotify' && sdev !== undefined) Object.assign(out, { scope: 'filesystem', dev: sdev });
  else if (api === 'fanotify' && mntId !== undefined) Object.assign(out, { scope: 'mount', mntId });
  else return undefined; // e.g. a mount-namespace mark (6.14+): nothing a directory has
  const wd = hex(f.get('wd'));
  if (api === 'inotify' && wd !== undefined) out.wd = wd;
  return out;
}

/** readlink of an fd: what inotify_init and fanotify_init return (fs/anon_inodes.c names) */
export function notifyApiOfLink(link: string): 'inotify' | 'fanotify' | undefined {
  return link === 'anon_inode:inotify' ? 'inotify' : link === 'anon_inode:[fanotify]' ? 'fanotify' : undefined;
}

export interface ProcessMarks {
  pid: number;
  comm: string;
  marks: Array<FdinfoMark & { fd: number }>;
  /** marks past `limit`, counted and not kept */
  dropped: number;
}

const CHUNK = 64 * 1024;

/**
 * Parses one fdinfo file in 64 KiB chunks: a group with a million watches prints ~100 MB, which is
 * never held whole. Keeps at most `limit` marks and counts the rest.
 */
function readMarks(path: string, fd: number, limit: number, into: ProcessMarks): void {
  const file = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry = '';
    for (;;) {
      const n = readSync(file, buf, 0, CHUNK, null);
      if (n === 0) break;
      const lines = (carry + buf.toString('latin1', 0, n)).split('\n');
      carry = lines.pop() as string;
      for (const line of lines) take(line);
    }
    take(carry);
  } finally {
    closeSync(file);
  }
  function take(line: string) {
    if (!line.startsWith('inotify ') && !line.startsWith('fanotify ')) return;
    if (into.marks.length >= limit) {
      if (parseMarkLine(line)) into.dropped++;
      return;
    }
    const m = parseMarkLine(line);
    if (m) into.marks.push({ ...m, fd });
  }
}

/**
 * The marks process `pid` holds, at most `limit`; undefined when it holds none or is gone. Reads
 * every fd link (cheap) and only the fdinfo of inotify and fanotify fds.
 */
export function readProcessMarks(pid: number, limit: number, proc = '/proc'): ProcessMarks | undefined {
  const base = `${proc}/${pid}`;
  let fds: string[];
  try {
    fds = readdirSync(`${base}/fd`);
  } catch {
    return undefined; // gone, or a kernel thread's fd table we may not read
  }
  const out: ProcessMarks = { pid, comm: '', marks: [], dropped: 0 };
  let found = false;
  for (const name of fds) {
    let link: string;
    try {
      link = readlinkSync(`${base}/fd/${name}`);
    } catch {
      continue; // closed meanwhile
    }
    if (notifyApiOfLink(link) === undefined) continue;
    found = true;
    try {
      readMarks(`${base}/fdinfo/${name}`, Number(name), limit, out);
    } catch {
      // closed meanwhile
    }
  }
  if (!found || out.marks.length + out.dropped === 0) return undefined;
  try {
    out.comm = readFileSync(`${base}/comm`, 'utf8').trimEnd();
  } catch {
    return undefined;
  }
  return out;
}
