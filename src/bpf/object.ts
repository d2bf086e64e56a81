// A loaded BPF object, its programs, maps and links. close() destroys every link this object made
// and then the object, so nothing stays attached on any exit path.
import type { Logger } from 'pino';
import { LibbpfError } from './errors.js';
import { addressOf, BPF_MAP_TYPE, BTF_KIND_DATASEC, decode, encode, errno, isNull, libbpf, type Ptr } from './libbpf.js';
import { libbpfLogCapture } from './log.js';
import { BpfMap } from './map.js';
import { RingBuffer } from './ring-buffer.js';
import { withSignalsBlocked } from './signal-mask.js';

export interface ProgramInfo {
  name: string;
  section: string;
}

export class BpfObject {
  private readonly links = new Map<string, Ptr>();
  private readonly maps = new Map<string, BpfMap>();
  private readonly rings: RingBuffer[] = [];
  private handle: Ptr | undefined;

  private constructor(
    handle: Ptr,
    readonly path: string,
    private readonly logger: Logger | undefined,
  ) {
    this.handle = handle;
  }

  /** `btfCustomPath`: relocate against that kernel BTF instead of this kernel's (the offline matrix test). */
  static open(path: string, opts: { logger?: Logger; btfCustomPath?: string } = {}): BpfObject {
    const capture = libbpfLogCapture(opts.logger);
    const custom = opts.btfCustomPath === undefined ? undefined : cString(opts.btfCustomPath);
    const h = libbpf.objectOpenFile(path, custom ? openOptsWithBtf(custom) : null);
    const log = capture.stop();
    if (isNull(h)) throw new LibbpfError('bpf_object__open_file', errno(), path, log);
    return new BpfObject(h, path, opts.logger);
  }

  private get h(): Ptr {
    if (this.handle === undefined) throw new Error(`BPF object ${this.path} is closed`);
    return this.handle;
  }

  private program(name: string): Ptr {
    const p = libbpf.objectFindProgram(this.h, name);
    if (isNull(p)) throw new Error(`no program ${name} in ${this.path}`);
    return p;
  }

  programs(): ProgramInfo[] {
    const out: ProgramInfo[] = [];
    for (let p = libbpf.objectNextProgram(this.h, null); !isNull(p); p = libbpf.objectNextProgram(this.h, p))
      out.push({ name: libbpf.programName(p), section: libbpf.programSection(p) });
    return out;
  }

  setAutoload(name: string, on: boolean): void {
    const rc = libbpf.programSetAutoload(this.program(name), on);
    if (rc < 0) throw new LibbpfError('bpf_program__set_autoload', -rc, name);
  }

  autoload(name: string): boolean {
    return libbpf.programAutoload(this.program(name));
  }

  /** The verifier's log level for `name` (4: only its statistics, e.g. "processed N insns"); libbpf prints the log at debug. */
  setLogLevel(name: string, level: number): void {
    const rc = libbpf.programSetLogLevel(this.program(name), level);
    if (rc < 0) throw new LibbpfError('bpf_program__set_log_level', -rc, name);
  }

  setAttachTarget(name: string, func: string): void {
    const rc = libbpf.programSetAttachTarget(this.program(name), 0, func);
    if (rc < 0) throw new LibbpfError('bpf_program__set_attach_target', -rc, `${name} → ${func}`);
  }

  /**
   * Writes `const volatile` globals before load. Offsets come from the object's BTF: the
   * DATASEC ".rodata" lists each variable with its offset and size.
   */
  setRodata(values: Record<string, number | bigint>): void {
    let rodata: Ptr | undefined;
    for (let m = libbpf.objectNextMap(this.h, null); !isNull(m); m = libbpf.objectNextMap(this.h, m))
      if (libbpf.mapName(m).endsWith('.rodata')) rodata = m;
    if (!rodata) throw new Error(`${this.path} has no .rodata`);
    const size: [number] = [0];
    const data = libbpf.mapInitialValue(rodata, size);
    const btf = libbpf.objectBtf(this.h);
    const secId = libbpf.btfFindByNameKind(btf, '.rodata', BTF_KIND_DATASEC);
    if (secId < 0) throw new Error(`${this.path} has no BTF for .rodata`);
    const sec = libbpf.btfTypeById(btf, secId);
    const vlen = decode(sec, 4, 'uint32_t') & 0xffff;
    const vars = new Map<string, { offset: number; size: number }>();
    for (let i = 0; i < vlen; i++) {
      // struct btf_type (12 bytes) is followed by btf_var_secinfo { type, offset, size }[vlen]
      const base = 12 + i * 12;
      const varType = libbpf.btfTypeById(btf, decode(sec, base, 'uint32_t'));
      const name = libbpf.btfNameByOffset(btf, decode(varType, 0, 'uint32_t'));
      vars.set(name, { offset: decode(sec, base + 4, 'uint32_t'), size: decode(sec, base + 8, 'uint32_t') });
    }
    const view = Buffer.from(decode(data, 'uint8_t', size[0]) as number[]);
    for (const [name, value] of Object.entries(values)) {
      const v = vars.get(name);
      if (!v) throw new Error(`${this.path} has no rodata variable ${name}`);
      if (v.size === 8) view.writeBigUInt64LE(BigInt(value), v.offset);
      else if (v.size === 4) view.writeUInt32LE(Number(value), v.offset);
      else throw new Error(`rodata ${name}: unsupported size ${v.size}`);
    }
    // write back into libbpf's buffer: bpf_map__initial_value points at the map's own image
    encode(data, 'uint8_t', [...view], view.length);
  }

  load(): void {
    const capture = libbpfLogCapture(this.logger);
    const rc = withSignalsBlocked(() => libbpf.objectLoad(this.h));
    const log = capture.stop();
    if (rc < 0) throw new LibbpfError('bpf_object__load', -rc, this.path, log);
  }

  private record(name: string, call: string, subject: string, link: Ptr): void {
    if (isNull(link)) throw new LibbpfError(call, errno(), subject);
    this.links.set(name, link);
  }

  attachKprobe(prog: string, func: string, opts: { retprobe: boolean }): void {
    const capture = libbpfLogCapture(this.logger);
    // an attach may run libbpf's one-time perf link probe, which loads a program
    const { link, e } = withSignalsBlocked(() => ({ link: libbpf.attachKprobe(this.program(prog), opts.retprobe, func), e: errno() }));
    const log = capture.stop();
    if (isNull(link)) throw new LibbpfError('bpf_program__attach_kprobe', e, func, log);
    this.links.set(prog, link);
  }

  attachTracepoint(prog: string, category: string, name: string): void {
    const { link, e } = withSignalsBlocked(() => ({ link: libbpf.attachTracepoint(this.program(prog), category, name), e: errno() }));
    if (isNull(link)) throw new LibbpfError('bpf_program__attach_tracepoint', e, `${category}:${name}`);
    this.links.set(prog, link);
  }

  /** fentry/fexit to the target set before load */
  attachTrace(prog: string): void {
    this.record(prog, 'bpf_program__attach_trace', prog, libbpf.attachTrace(this.program(prog)));
  }

  programFd(prog: string): number {
    return libbpf.programFd(this.program(prog));
  }

  isAttached(prog: string): boolean {
    return this.links.has(prog);
  }

  detach(progs: readonly string[]): void {
    for (const p of progs) {
      const link = this.links.get(p);
      if (link === undefined) continue;
      libbpf.linkDestroy(link);
      this.links.delete(p);
    }
  }

  private rawMap(name: string): Ptr {
    const m = libbpf.objectFindMap(this.h, name);
    if (isNull(m)) throw new Error(`no map ${name} in ${this.path}`);
    return m;
  }

  map(name: string): BpfMap {
    let m = this.maps.get(name);
    if (!m) {
      const raw = this.rawMap(name);
      m = new BpfMap(
        name,
        libbpf.mapFd(raw),
        libbpf.mapType(raw),
        libbpf.mapKeySize(raw),
        libbpf.mapValueSize(raw),
        libbpf.mapMaxEntries(raw),
      );
      this.maps.set(name, m);
    }
    return m;
  }

  /** Run time and count of a loaded program (non-zero only with kernel.bpf_stats_enabled=1), and the runs the kernel skipped. */
  programInfo(prog: string): { runTimeNs: bigint; runCount: bigint; recursionMisses: bigint } {
    const fd = libbpf.programFd(this.program(prog));
    const info = Buffer.alloc(PROG_INFO_SIZE);
    const len = new Uint32Array([PROG_INFO_SIZE]);
    const rc = libbpf.objGetInfoByFd(fd, info, len);
    if (rc < 0) throw new LibbpfError('bpf_obj_get_info_by_fd', -rc, prog);
    return { runTimeNs: info.readBigUInt64LE(PROG_INFO_RUN_TIME_NS), runCount: info.readBigUInt64LE(PROG_INFO_RUN_CNT), recursionMisses: info.readBigUInt64LE(PROG_INFO_RECURSION_MISSES) };
  }

  ringBuffer(map: string, onRecord: (data: Buffer) => void): RingBuffer {
    const m = this.map(map);
    if (m.type !== BPF_MAP_TYPE.RINGBUF) throw new Error(`map ${map} is not a ring buffer`);
    const rb = RingBuffer.open(m.fd, onRecord);
    this.rings.push(rb);
    return rb;
  }

  /** Destroys every link, frees ring buffers and closes the object. Idempotent. */
  close(): void {
    if (this.handle === undefined) return;
    for (const rb of this.rings) rb.close();
    this.detach([...this.links.keys()]);
    libbpf.objectClose(this.handle);
    this.handle = undefined;
  }
}

// struct bpf_object_open_opts (libbpf 1.x) up to btf_custom_path, which is at offset 48
const OPEN_OPTS_SIZE = 56;
const OPEN_OPTS_BTF_CUSTOM_PATH = 48;

function openOptsWithBtf(path: Buffer): Buffer {
  const opts = Buffer.alloc(OPEN_OPTS_SIZE);
  opts.writeBigUInt64LE(BigInt(OPEN_OPTS_SIZE), 0);
  opts.writeBigUInt64LE(addressOf(path), OPEN_OPTS_BTF_CUSTOM_PATH);
  return opts;
}

const cString = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

// struct bpf_prog_info (linux/bpf.h): run_time_ns and run_cnt, checked with offsetof on 6.x headers
const PROG_INFO_SIZE = 232;
const PROG_INFO_RUN_TIME_NS = 192;
const PROG_INFO_RUN_CNT = 200;
const PROG_INFO_RECURSION_MISSES = 208; // 5.12+; zero before

export { BpfMap, RingBuffer };
