// What this kernel's BPF can do, probed before the object is loaded, so that a missing helper or a
// refused trampoline turns off one program instead of failing the whole load (after libbpf-tools'
// trace_helpers.c: fentry_can_attach, libbpf_probe_bpf_helper).
import { BPF_MAP_TYPE, BTF_KIND_FUNC, closeFd, isNull, libbpf } from './libbpf.js';
import { withSignalsBlocked } from './signal-mask.js';

const BPF_PROG_TYPE_KPROBE = 2;
const BPF_PROG_TYPE_TRACING = 26;
const BPF_TRACE_FENTRY = 24;
const BPF_FUNC_LOOP = 181;
// struct bpf_prog_load_opts up to attach_btf_obj_fd: sz, attempts, expected_attach_type, ..., attach_btf_id at 32
const PROG_LOAD_OPTS_SIZE = 48;
// r0 = 0; exit
const RETURN_ZERO = Buffer.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

export interface BpfFeatures {
  /** bpf_loop() (5.17+): the child scan's fast path */
  bpfLoop: boolean;
  /** BPF_MAP_TYPE_RINGBUF (5.8+): slow-walk events */
  ringBuffer: boolean;
  /** a fentry program on `func` loads (not attached: see fentryLoads); the reason when not */
  fentry(func: string): { ok: true } | { ok: false; reason: string };
  /** `func`'s type id in the kernel's BTF, undefined when absent (or no BTF) */
  btfId(func: string): number | undefined;
  /** frees the kernel BTF the fentry checks parsed */
  release(): void;
}

/**
 * Loads a do-nothing fentry program on `func`, without attaching it: an attach rebuilds the
 * function's trampoline, which makes every other tool's fexit programs miss the calls in flight
 * (docs/reliability.md). A refusal at attach is handled where the real programs attach
 * (attach-plan.ts fallBackFromFentry).
 */
function fentryLoads(btfId: number): number {
  const opts = Buffer.alloc(PROG_LOAD_OPTS_SIZE);
  opts.writeBigUInt64LE(BigInt(PROG_LOAD_OPTS_SIZE), 0);
  opts.writeUInt32LE(BPF_TRACE_FENTRY, 12);
  opts.writeUInt32LE(btfId, 32);
  const fd = withSignalsBlocked(() => libbpf.progLoad(BPF_PROG_TYPE_TRACING, 'fentry_probe', 'GPL', RETURN_ZERO, 2, opts));
  if (fd < 0) return fd;
  closeFd(fd);
  return 0;
}

export function probeBpfFeatures(errnoName: (n: number) => string): BpfFeatures {
  const cache = new Map<string, { ok: true } | { ok: false; reason: string }>();
  let btf: unknown;
  return {
    release() {
      if (btf !== undefined && !isNull(btf)) libbpf.btfFree(btf);
      btf = undefined;
    },
    bpfLoop: withSignalsBlocked(() => libbpf.probeHelper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_LOOP, null)) === 1,
    ringBuffer: libbpf.probeMapType(BPF_MAP_TYPE.RINGBUF, null) === 1,
    btfId(func) {
      btf ??= libbpf.btfLoadVmlinux();
      const id = isNull(btf) ? 0 : libbpf.btfFindByNameKind(btf, func, BTF_KIND_FUNC);
      return id > 0 ? id : undefined;
    },
    fentry(func) {
      let r = cache.get(func);
      if (r) return r;
      btf ??= libbpf.btfLoadVmlinux();
      if (isNull(btf)) r = { ok: false, reason: 'the kernel has no BTF for fentry' };
      else {
        const id = libbpf.btfFindByNameKind(btf, func, BTF_KIND_FUNC);
        const rc = id > 0 ? fentryLoads(id) : 0;
        if (id <= 0) r = { ok: false, reason: `${func} is not in the kernel's BTF` };
        else if (rc < 0) r = { ok: false, reason: `the kernel refuses fentry on ${func} (${errnoName(-rc)})` };
        else r = { ok: true };
      }
      cache.set(func, r);
      return r;
    },
  };
}
