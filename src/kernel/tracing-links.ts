// Other processes' BPF tracing links (fentry/fexit/fmod_ret), from /proc/<pid>/fd and
// /proc/<pid>/fdinfo/<fd> (kernel/bpf/syscall.c bpf_link_show_fdinfo): BPF_LINK_GET_NEXT_ID
// needs CAP_SYS_ADMIN, which the unit does not grant; fdinfo needs only CAP_SYS_PTRACE.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** enum bpf_attach_type: the trampoline attach types whose programs share a function's trampoline */
export const TRAMPOLINE_ATTACH_TYPES: ReadonlyMap<number, string> = new Map([
  [24, 'fentry'],
  [25, 'fexit'],
  [26, 'fmod_ret'],
]);

export interface TracingLink {
  pid: number;
  comm: string;
  linkId: number;
  attachType: number;
  /** the target's BTF type id; absent before 5.13, whose fdinfo prints attach_type only */
  targetBtfId?: number;
  /** the target's BTF object id (vmlinux, a module) or program id (a BPF program target) */
  targetObjId?: number;
}

/** `refused`: processes whose fds we could not read (their links, if any, unseen) */
export type TracingLinkScan = { ok: true; links: TracingLink[]; refused: number } | { ok: false; reason: string };

/** One link fd's fdinfo → the tracing link it describes, or undefined for another link type. */
export function parseLinkFdinfo(text: string): Omit<TracingLink, 'pid' | 'comm'> | undefined {
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  if (!/^link_type:\s+tracing$/m.test(text)) return undefined;
  const attachType = field('attach_type');
  if (attachType === undefined) return undefined;
  const targetBtfId = field('target_btf_id');
  const targetObjId = field('target_obj_id');
  return { linkId: field('link_id') ?? 0, attachType, ...(targetBtfId !== undefined ? { targetBtfId } : {}), ...(targetObjId !== undefined ? { targetObjId } : {}) };
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // closed or gone meanwhile
  }
};

/** A link's target read another way (src/bpf/link-ids.ts linkTargetOf), where fdinfo does not print it. */
export type LinkTargetOf = (pid: number, fd: number) => { targetBtfId: number; targetObjId: number } | { reason: string };

/**
 * Every trampoline tracing link a process holds, in one pass over /proc (fd links are cheap; only
 * bpf_link fds' fdinfo is read). fdinfo prints a link's target from 6.5; before, `targetOf` asks
 * the link itself. Fails when a link's target cannot be had or when no process's fds could be
 * read but our own (no CAP_SYS_PTRACE): then nothing can be said.
 */
export function scanTracingLinks(proc = '/proc', self = process.pid, targetOf?: LinkTargetOf): TracingLinkScan {
  const links: TracingLink[] = [];
  let readable = 0;
  let refused = 0;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((n) => /^\d+$/.test(n));
  } catch (e) {
    return { ok: false, reason: `${proc} is unreadable (${(e as NodeJS.ErrnoException).code ?? e})` };
  }
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') refused++;
      continue; // gone, or not ours to read
    }
    readable++;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== 'anon_inode:bpf_link') continue;
      const link = parseLinkFdinfo(read(`${proc}/${pid}/fdinfo/${fd}`) ?? '');
      if (!link || !TRAMPOLINE_ATTACH_TYPES.has(link.attachType)) continue;
      if (link.targetBtfId === undefined) {
        const t = targetOf?.(Number(pid), Number(fd)) ?? { reason: 'no other way to ask' };
        if ('reason' in t) return { ok: false, reason: `a tracing link's fdinfo (pid ${pid}) names no target (printed from 6.5), and the link could not be asked (${t.reason})` };
        Object.assign(link, t);
      }
      links.push({ pid: Number(pid), comm: (read(`${proc}/${pid}/comm`) ?? '').trimEnd(), ...link });
    }
  }
  if (readable === 0 && refused > 0) return { ok: false, reason: `other processes' fds are unreadable (${refused} refused: no CAP_SYS_PTRACE)` };
  return { ok: true, links, refused };
}

/**
 * The /proc scan completed by a scan of every link by id (BPF_LINK_GET_NEXT_ID, when the daemon
 * holds CAP_SYS_ADMIN): links no readable process holds (pinned in bpffs) are added as pid 0.
 * Either scan alone is enough; both failing gives the /proc scan's reason.
 */
export function mergeLinkScans(proc: TracingLinkScan, byId: TracingLinkScan | undefined): TracingLinkScan {
  if (!byId?.ok) return proc;
  if (!proc.ok) return byId;
  const seen = new Set(proc.links.map((l) => l.linkId));
  return { ok: true, refused: proc.refused, links: [...proc.links, ...byId.links.filter((l) => !seen.has(l.linkId))] };
}
