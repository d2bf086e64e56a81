// Which precompiled object fits this machine.
import { arch } from 'node:os';
import { join } from 'node:path';
import { ExitCode, FatalError } from '../errors.js';
import { checkUserFile, FileRefused, MAX_BYTES } from '../user-file.js';
import { PACKAGE_ROOT } from '../package-root.js';

const OBJECT_ARCH: Record<string, string> = { x64: 'x86', arm64: 'arm64' };

export function defaultObjectPath(nodeArch = arch(), root = PACKAGE_ROOT): string {
  const a = OBJECT_ARCH[nodeArch];
  if (!a) throw new FatalError(ExitCode.KERNEL, `no BPF object for architecture ${nodeArch}`, 'fsnotify-exporter ships objects for x86-64 and arm64 only');
  return join(root, 'bpf', `fsnotify.${a}.bpf.o`);
}

/** The object's path, checked to be a regular file of bounded size before libbpf opens it (a FIFO would block inside libbpf). */
export function resolveObjectPath(override: string | undefined): string {
  const path = override ?? defaultObjectPath();
  try {
    checkUserFile({ path, name: '--bpf.object', what: 'a BPF object', maxBytes: MAX_BYTES.bpfObject });
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    if (e.detail === 'ENOENT')
      throw new FatalError(ExitCode.BPF_OBJECT, `BPF object ${path} not found`, override ? 'check --bpf.object' : 'reinstall, or rebuild it with npm run build:bpf');
    throw new FatalError(ExitCode.BPF_OBJECT, `cannot read BPF object ${path} (${e.detail})`, e.fix);
  }
  return path;
}
