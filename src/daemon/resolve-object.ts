// Which precompiled object fits this machine.
import { existsSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, FatalError } from '../errors.js';

/** The checkout or install root: dist/src/daemon/ → three levels up. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const OBJECT_ARCH: Record<string, string> = { x64: 'x86', arm64: 'arm64' };

export function defaultObjectPath(nodeArch = arch()): string {
  const a = OBJECT_ARCH[nodeArch];
  if (!a) throw new FatalError(ExitCode.KERNEL, `no BPF object for architecture ${nodeArch}`, 'fsnotify-exporter ships objects for x86-64 and arm64 only');
  return join(PACKAGE_ROOT, 'bpf', `fsnotify.${a}.bpf.o`);
}

export function resolveObjectPath(override: string | undefined): string {
  const path = override ?? defaultObjectPath();
  if (!existsSync(path))
    throw new FatalError(ExitCode.BPF_OBJECT, `BPF object ${path} not found`, override ? 'check --bpf.object' : 'reinstall, or rebuild it with npm run build:bpf');
  return path;
}
