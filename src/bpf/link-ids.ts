// Every BPF tracing link in the kernel by id (BPF_LINK_GET_NEXT_ID + BPF_OBJ_GET_INFO_BY_FD), for
// the links no process holds (pinned in bpffs), which the /proc scan cannot see; CAP_SYS_ADMIN only.
import { closeFd, libbpf, pidfdGetfd, pidfdOpen } from './libbpf.js';
import { TRAMPOLINE_ATTACH_TYPES, type TracingLink, type TracingLinkScan } from '../kernel/tracing-links.js';

const BPF_LINK_TYPE_TRACING = 2;
// struct bpf_link_info: type, id, prog_id, then the union (8-aligned) at 16; tracing: attach_type,
// target_obj_id, target_btf_id (5.13+; zero before)
const INFO_SIZE = 32;
/** links looked at, at most: the loop's bound */
const MAX_LINKS = 65_536;

/** A link fd's BPF_OBJ_GET_INFO_BY_FD: its type, attach type and target (zero before 5.13), or -errno. */
function linkInfo(fd: number): { type: number; attachType: number; targetObjId: number; targetBtfId: number } | number {
  const info = Buffer.alloc(INFO_SIZE);
  const got = libbpf.objGetInfoByFd(fd, info, new Uint32Array([INFO_SIZE]));
  if (got !== 0) return got;
  return { type: info.readUInt32LE(0), attachType: info.readUInt32LE(16), targetObjId: info.readUInt32LE(20), targetBtfId: info.readUInt32LE(24) };
}

/**
 * The target of another process's tracing link, for kernels whose fdinfo does not print it
 * (5.13–6.4): a copy of its fd (pidfd_getfd, CAP_SYS_PTRACE), asked and closed at once.
 */
export function linkTargetOf(errnoName: (n: number) => string): (pid: number, fd: number) => { targetBtfId: number; targetObjId: number } | { reason: string } {
  return (pid, fd) => {
    const pidfd = pidfdOpen(pid);
    if (pidfd < 0) return { reason: `pidfd_open: ${errnoName(-pidfd)}` };
    const copy = pidfdGetfd(pidfd, fd);
    closeFd(pidfd);
    if (copy < 0) return { reason: `pidfd_getfd: ${errnoName(-copy)}` };
    const info = linkInfo(copy);
    closeFd(copy);
    if (typeof info === 'number') return { reason: `BPF_OBJ_GET_INFO_BY_FD: ${errnoName(-info)}` };
    if (info.targetBtfId === 0) return { reason: 'the kernel gives a tracing link\'s target from 5.13' };
    return { targetBtfId: info.targetBtfId, targetObjId: info.targetObjId };
  };
}

export function tracingLinksById(errnoName: (n: number) => string): TracingLinkScan {
  const links: TracingLink[] = [];
  const next = new Uint32Array(1);
  let id = 0;
  for (let i = 0; i < MAX_LINKS; i++) {
    const rc = libbpf.linkGetNextId(id, next);
    if (rc === -2) break; // -ENOENT: no more links
    if (rc < 0) return { ok: false, reason: `BPF_LINK_GET_NEXT_ID refused (${errnoName(-rc)})` };
    id = next[0] as number;
    const fd = libbpf.linkGetFdById(id);
    if (fd < 0) continue; // released meanwhile
    const info = linkInfo(fd);
    closeFd(fd);
    if (typeof info === 'number' || info.type !== BPF_LINK_TYPE_TRACING || !TRAMPOLINE_ATTACH_TYPES.has(info.attachType)) continue;
    if (info.targetBtfId === 0) return { ok: false, reason: `tracing link ${id} names no target_btf_id (the kernel gives it from 5.13)` };
    links.push({ pid: 0, comm: '', linkId: id, attachType: info.attachType, targetBtfId: info.targetBtfId, targetObjId: info.targetObjId });
  }
  return { ok: true, links, refused: 0 };
}
