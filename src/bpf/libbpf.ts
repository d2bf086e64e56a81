// The system libbpf (Debian libbpf1, 1.x) through koffi (why koffi: README "Why koffi and not
// ffi-napi"). Only the calls the daemon uses are declared; koffi pointers never leave src/bpf.
import koffi from 'koffi';
import { ExitCode, FatalError } from '../errors.js';

export type Ptr = unknown;

/** dlopen's reason without koffi's prefix: "cannot open shared object file: No such file or directory". */
const dlopenReason = (e: unknown) => String((e as Error).message ?? e).replace(/^Failed to load shared library:\s*/, '');
const USE_LIBBPF = 'point LIBBPF_PATH at libbpf.so.1 (Debian: libbpf1)';

/**
 * LIBBPF_PATH points at another libbpf.so (a newer build, say); by default the system's libbpf1.
 * What a user can get wrong is one line each: no such file, a file that is no shared library, a
 * library that is not libbpf.
 */
function loadLibrary(): ReturnType<typeof koffi.load> {
  const override = process.env.LIBBPF_PATH;
  const names = override ? [override] : ['libbpf.so.1', 'libbpf.so'];
  let reason = '';
  for (const name of names) {
    let candidate: ReturnType<typeof koffi.load>;
    try {
      candidate = koffi.load(name);
    } catch (e) {
      reason = dlopenReason(e);
      continue; // try the next name
    }
    try {
      candidate.func('uint32_t libbpf_major_version(void)');
    } catch {
      throw new FatalError(ExitCode.LIBBPF, `${override ? 'LIBBPF_PATH ' : ''}${name} is not libbpf (it has no libbpf_major_version)`, USE_LIBBPF);
    }
    return candidate;
  }
  // dlopen searches the library path for a bare name; a name with a slash is the file itself
  const missing = /No such file or directory/.test(reason);
  if (override && !missing) throw new FatalError(ExitCode.LIBBPF, `LIBBPF_PATH ${override} is not a shared library (${reason})`, USE_LIBBPF);
  throw new FatalError(ExitCode.LIBBPF, `${names[0]} not found`, override ? 'check LIBBPF_PATH' : 'install it: apt-get install libbpf1');
}

const lib = loadLibrary();
const libc = koffi.load('libc.so.6');

koffi.opaque('bpf_object');
koffi.opaque('bpf_program');
koffi.opaque('bpf_map');
koffi.opaque('bpf_link');
koffi.opaque('ring_buffer');
koffi.opaque('btf');

export const PrintFn = koffi.proto('int libbpf_print_fn(int level, const char *fmt, void *args)');
export const SampleFn = koffi.proto('int ring_buffer_sample_fn(void *ctx, void *data, size_t size)');

const f = <T extends (...args: never[]) => unknown>(decl: string) => lib.func(decl) as unknown as T;

export const libbpf = {
  majorVersion: f<() => number>('uint32_t libbpf_major_version(void)'),
  minorVersion: f<() => number>('uint32_t libbpf_minor_version(void)'),
  setPrint: f<(fn: unknown) => unknown>('void *libbpf_set_print(libbpf_print_fn *fn)'),
  numPossibleCpus: f<() => number>('int libbpf_num_possible_cpus(void)'),

  objectOpenFile: f<(path: string, opts: Buffer | null) => Ptr>('bpf_object *bpf_object__open_file(const char *path, void *opts)'),
  objectLoad: f<(obj: Ptr) => number>('int bpf_object__load(bpf_object *obj)'),
  objectClose: f<(obj: Ptr) => void>('void bpf_object__close(bpf_object *obj)'),
  objectNextProgram: f<(obj: Ptr, prev: Ptr | null) => Ptr>('bpf_program *bpf_object__next_program(bpf_object *obj, bpf_program *prev)'),
  objectFindProgram: f<(obj: Ptr, name: string) => Ptr>('bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)'),
  objectNextMap: f<(obj: Ptr, prev: Ptr | null) => Ptr>('bpf_map *bpf_object__next_map(bpf_object *obj, bpf_map *prev)'),
  objectFindMap: f<(obj: Ptr, name: string) => Ptr>('bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)'),
  objectBtf: f<(obj: Ptr) => Ptr>('btf *bpf_object__btf(bpf_object *obj)'),

  programName: f<(p: Ptr) => string>('const char *bpf_program__name(bpf_program *p)'),
  programSection: f<(p: Ptr) => string>('const char *bpf_program__section_name(bpf_program *p)'),
  programSetAutoload: f<(p: Ptr, on: boolean) => number>('int bpf_program__set_autoload(bpf_program *p, bool autoload)'),
  programAutoload: f<(p: Ptr) => boolean>('bool bpf_program__autoload(bpf_program *p)'),
  programSetLogLevel: f<(p: Ptr, level: number) => number>('int bpf_program__set_log_level(bpf_program *p, uint32_t log_level)'),
  programSetAttachTarget: f<(p: Ptr, fd: number, fn: string) => number>('int bpf_program__set_attach_target(bpf_program *p, int attach_prog_fd, const char *attach_func_name)'),
  programFd: f<(p: Ptr) => number>('int bpf_program__fd(bpf_program *p)'),
  attachKprobe: f<(p: Ptr, retprobe: boolean, fn: string) => Ptr>('bpf_link *bpf_program__attach_kprobe(bpf_program *p, bool retprobe, const char *func_name)'),
  attachTracepoint: f<(p: Ptr, category: string, name: string) => Ptr>('bpf_link *bpf_program__attach_tracepoint(bpf_program *p, const char *tp_category, const char *tp_name)'),
  attachTrace: f<(p: Ptr) => Ptr>('bpf_link *bpf_program__attach_trace(bpf_program *p)'),
  linkDestroy: f<(l: Ptr) => number>('int bpf_link__destroy(bpf_link *link)'),

  mapName: f<(m: Ptr) => string>('const char *bpf_map__name(bpf_map *m)'),
  mapFd: f<(m: Ptr) => number>('int bpf_map__fd(bpf_map *m)'),
  mapType: f<(m: Ptr) => number>('int bpf_map__type(bpf_map *m)'),
  mapMaxEntries: f<(m: Ptr) => number>('uint32_t bpf_map__max_entries(bpf_map *m)'),
  mapSetMaxEntries: f<(m: Ptr, n: number) => number>('int bpf_map__set_max_entries(bpf_map *m, uint32_t n)'),
  mapKeySize: f<(m: Ptr) => number>('uint32_t bpf_map__key_size(bpf_map *m)'),
  mapValueSize: f<(m: Ptr) => number>('uint32_t bpf_map__value_size(bpf_map *m)'),
  mapInitialValue: f<(m: Ptr, size: [number]) => Ptr>('void *bpf_map__initial_value(bpf_map *m, _Out_ size_t *psize)'),

  probeHelper: f<(progType: number, helper: number, opts: null) => number>('int libbpf_probe_bpf_helper(int prog_type, int helper_id, const void *opts)'),
  probeMapType: f<(mapType: number, opts: null) => number>('int libbpf_probe_bpf_map_type(int map_type, const void *opts)'),
  progLoad: f<(type: number, name: string, license: string, insns: Buffer, count: number, opts: Buffer) => number>(
    'int bpf_prog_load(int prog_type, const char *prog_name, const char *license, const void *insns, size_t insn_cnt, void *opts)',
  ),
  btfLoadVmlinux: f<() => Ptr>('btf *btf__load_vmlinux_btf(void)'),
  btfFree: f<(btf: Ptr) => void>('void btf__free(btf *btf)'),
  btfFindByNameKind: f<(btf: Ptr, name: string, kind: number) => number>('int btf__find_by_name_kind(btf *btf, const char *name, uint32_t kind)'),
  btfTypeById: f<(btf: Ptr, id: number) => Ptr>('const void *btf__type_by_id(btf *btf, uint32_t id)'),
  btfNameByOffset: f<(btf: Ptr, off: number) => string>('const char *btf__name_by_offset(btf *btf, uint32_t offset)'),

  mapLookupElem: f<(fd: number, key: Buffer, value: Buffer) => number>('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
  mapUpdateElem: f<(fd: number, key: Buffer, value: Buffer, flags: bigint) => number>('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
  mapGetFdById: f<(id: number) => number>('int bpf_map_get_fd_by_id(uint32_t id)'),
  mapDeleteElem: f<(fd: number, key: Buffer) => number>('int bpf_map_delete_elem(int fd, const void *key)'),
  mapGetNextKey: f<(fd: number, key: Buffer | null, next: Buffer) => number>('int bpf_map_get_next_key(int fd, const void *key, void *next_key)'),
  mapLookupBatch: f<(fd: number, inBatch: Buffer | null, outBatch: Buffer, keys: Buffer, values: Buffer, count: Uint32Array, opts: null) => number>(
    'int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)',
  ),
  linkGetNextId: f<(start: number, next: Uint32Array) => number>('int bpf_link_get_next_id(uint32_t start_id, _Out_ uint32_t *next_id)'),
  linkGetFdById: f<(id: number) => number>('int bpf_link_get_fd_by_id(uint32_t id)'),
  objGetInfoByFd: f<(fd: number, info: Buffer, len: Uint32Array) => number>('int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *info_len)'),
  enableStats: f<(type: number) => number>('int bpf_enable_stats(int type)'),

  ringBufferNew: f<(fd: number, cb: unknown, ctx: null, opts: null) => Ptr>('ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn *cb, void *ctx, void *opts)'),
  ringBufferPoll: f<(rb: Ptr, timeoutMs: number) => number>('int ring_buffer__poll(ring_buffer *rb, int timeout_ms)'),
  ringBufferConsume: f<(rb: Ptr) => number>('int ring_buffer__consume(ring_buffer *rb)'),
  ringBufferFree: f<(rb: Ptr) => void>('void ring_buffer__free(ring_buffer *rb)'),
};

/**
 * libbpf hands its print callback a va_list. On x86-64 a va_list argument is a pointer to the
 * register save area; on arm64 (AAPCS64) it is a 32-byte struct, which the ABI passes by reference
 * to a copy because it is larger than 16 bytes. Either way the callback receives one pointer, which
 * vasprintf accepts in the same position; it allocates what the whole text needs.
 */
const vasprintf = libc.func('int vasprintf(_Out_ void **strp, const char *fmt, void *args)') as unknown as (out: [unknown], fmt: string, args: unknown) => number;
const free = libc.func('void free(void *p)') as unknown as (p: unknown) => void;

export const closeFd = libc.func('int close(int fd)') as unknown as (fd: number) => number;
const syscall = libc.func('long syscall(long number, ...)') as unknown as (n: number, ...typedArgs: unknown[]) => number;
const sys = (n: number, ...args: number[]): number => {
  const r = syscall(n, ...args.flatMap((a) => ['int', a]));
  return r < 0 ? -koffi.errno() : r;
};
// pidfd_open (434) and pidfd_getfd (438) have the same numbers on x86-64 and arm64 (Linux 5.6+)
/** pidfd_open(pid, 0): a pidfd, or -errno */
export const pidfdOpen = (pid: number): number => sys(434, pid, 0);
/** pidfd_getfd(pidfd, fd, 0): our copy of another process's fd (PTRACE_MODE_ATTACH: CAP_SYS_PTRACE), or -errno */
export const pidfdGetfd = (pidfd: number, fd: number): number => sys(438, pidfd, fd, 0);

/** printf(fmt, va_list) as a string; undefined when libc fails to format it. */
export function formatVaList(fmt: string, args: unknown): string | undefined {
  const out: [unknown] = [null];
  const n = vasprintf(out, fmt, args);
  if (n < 0) return undefined;
  try {
    return koffi.decode(out[0], 'char', n) as string;
  } finally {
    free(out[0]);
  }
}

/**
 * glibc's malloc_trim(0): hands the free heap back to the kernel, which keeps libbpf's freed
 * allocations from loading (the kernel's BTF, parsed for CO-RE) mapped otherwise. A no-op where
 * libc has no malloc_trim (musl).
 */
export const mallocTrim: () => void = (() => {
  try {
    const trim = libc.func('int malloc_trim(size_t pad)') as unknown as (pad: number) => number;
    return () => void trim(0);
  } catch {
    return () => {};
  }
})();

export function libbpfVersion(): string {
  return `${libbpf.majorVersion()}.${libbpf.minorVersion()}`;
}

export const BPF_MAP_TYPE = { HASH: 1, ARRAY: 2, PERCPU_HASH: 5, PERCPU_ARRAY: 6, LRU_HASH: 9, LRU_PERCPU_HASH: 10, RINGBUF: 27 } as const;
export const BTF_KIND_FUNC = 12;
export const BTF_KIND_VAR = 14;
export const BTF_KIND_DATASEC = 15;

export const decode = koffi.decode;
export const encode = koffi.encode;
export const register = koffi.register;
export const unregister = koffi.unregister;
export const pointerTo = koffi.pointer;
/** the address of a Buffer's memory, for a pointer field inside an options struct */
export const addressOf = (b: Buffer): bigint => koffi.address(b) as bigint;
export const errno = (): number => koffi.errno();
export const isNull = (p: Ptr): boolean => p === null || p === undefined || koffi.address(p) === 0n;
