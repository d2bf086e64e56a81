// Every BPF tracing link in the kernel by id (BPF_LINK_GET_NEXT_ID + BPF_OBJ_GET_INFO_BY_FD), for
// the links no process holds (pinned in bpffs), which the /proc scan cannot see; CAP_SYS_ADMIN only.
import { closeFd, libbpf } from './libbpf.js';
import { TRAMPOLINE_ATTACH_TYPES, type TracingLink, type TracingLinkScan } from '../kernel/tracing-links.js';

const BPF_LINK_TYPE_TRACING = 2;
// struct bpf_link_info: type, id, prog_id, then the union (8-aligned) at 16; tracing: attach_type,
// target_obj_id, target_btf_id (5.13+; zero before)
const INFO_SIZE = 32;
/** links looked at, at most: the loop's bound */
const MAX_LINKS = 65_536;

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
    const info = Buffer.alloc(INFO_SIZE);
    const len = new Uint32Array([INFO_SIZE]);
    const got = libbpf.objGetInfoByFd(fd, info, len);
    closeFd(fd);
    if (got !== 0 || info.readUInt32LE(0) !== BPF_LINK_TYPE_TRACING) continue;
    const attachType = info.readUInt32LE(16);
    if (!TRAMPOLINE_ATTACH_TYPES.has(attachType)) continue;
    const targetBtfId = info.readUInt32LE(24);
    if (targetBtfId === 0) return { ok: false, reason: `tracing link ${id} names no target_btf_id (the kernel gives it from 5.13)` };
    links.push({ pid: 0, comm: '', linkId: id, attachType, targetBtfId, targetObjId: info.readUInt32LE(20) });
  }
  return { ok: true, links, refused: 0 };
}
