// The guest kernels: each covers a different fsnotify code path.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CACHE = join(REPO, '.cache', 'vm');

export interface KernelSpec {
  name: string;
  describe: string;
  /** Debian package (or glob) to fetch, for kernels with 9p as modules */
  debianPackage?: string;
  /** Debian suites to fetch it from through a private apt state (default: the host's lists) */
  suites?: string[];
  /** a bzImage with 9p/virtio/ext4 built in */
  bzImage?: string;
  /** the e2e suite on it: full, or a smoke (walk and child counts against bpftrace, a clean exit) */
  e2e?: 'full' | 'smoke';
  /** false: the e2e suite runs on it only when E2E_KERNELS names it (CI's time budget) */
  byDefault?: boolean;
  /** the guest's architecture (default x86): arm64 boots under qemu-system-aarch64 */
  arch?: 'x86' | 'arm64';
}

export const KERNELS: readonly KernelSpec[] = [
  {
    name: 'debian-5.10',
    describe: "Debian 11's 5.10 (lazy clear backported, d_subdirs list, no bpf_loop)",
    debianPackage: 'linux-image-5.10.0-*-amd64-unsigned',
    suites: ['bullseye', 'bullseye-security'],
  },
  // not by default: CI's Debian 12 systemd guest attaches every probe on this kernel with the package,
  // and the oldfsnotify guest runs the full suite on 6.1.192
  { name: 'debian-6.1', describe: "Debian's 6.1 (lazy clear, fsnotify_set_children_dentry_flags, d_subdirs list)", debianPackage: 'linux-image-amd64', e2e: 'smoke', byDefault: false },
  { name: 'debian-6.12', describe: "Debian's 6.12 (d_children hlist)", debianPackage: 'linux-image-6.12.*-amd64-unsigned', e2e: 'smoke' },
  {
    name: 'debian-7.x',
    describe: "Debian's newest (trixie-backports 7.x: d_alias out of d_u, split linux-binary/linux-modules packaging)",
    debianPackage: 'linux-image-7.*-amd64',
    suites: ['trixie', 'trixie-backports'],
  },
  {
    name: 'oldfsnotify',
    describe: 'Debian 6.1.192 with 172e422ffea2 undone: the old thundering herd',
    bzImage: resolve(REPO, '..', 'shared', 'kernels', 'linux-6.1.192-oldfsnotify.bzImage'),
  },
];

/** arm64 guests (docs/arm64.md): not in KERNELS, which the x86 e2e suite runs by default. */
export const ARM64_KERNELS: readonly KernelSpec[] = [
  { name: 'debian-6.1-arm64', describe: "Debian's 6.1 for arm64 (no ftrace direct calls: kprobes), with an arm64 userland", debianPackage: 'linux-image-arm64', arch: 'arm64' },
  { name: 'debian-6.12-arm64', describe: "Debian's 6.12 for arm64 (fentry), with an arm64 userland", debianPackage: 'linux-image-6.12.*-arm64-unsigned', arch: 'arm64' },
];

export interface BootFiles {
  kernel: string;
  initrd?: string;
  /** arm64: the arm64 userland directory the guest mounts over 9p */
  userland?: string;
}

export class VmError extends Error {}

/** A kernel by name, a path to a bzImage, or E2E_KERNEL. */
export function kernelSpec(nameOrPath: string): KernelSpec {
  const known = [...KERNELS, ...ARM64_KERNELS].find((k) => k.name === nameOrPath);
  if (known) return known;
  if (existsSync(nameOrPath)) return { name: nameOrPath, describe: `bzImage ${nameOrPath}`, bzImage: resolve(nameOrPath) };
  throw new VmError(`unknown kernel "${nameOrPath}": use ${[...KERNELS, ...ARM64_KERNELS].map((k) => k.name).join(', ')} or a path to a bzImage`);
}

/** Downloads and unpacks a Debian kernel into the cache, or checks a bzImage is there. */
export function bootFiles(spec: KernelSpec): BootFiles {
  if (spec.bzImage) {
    if (!existsSync(spec.bzImage)) throw new VmError(`kernel ${spec.bzImage} not found (CI clones main with shared/ beside it)`);
    return { kernel: spec.bzImage };
  }
  if (spec.arch === 'arm64') {
    const out = execFileSync('bash', [join(REPO, 'harness', 'guest', 'prepare-arm64.sh'), CACHE, spec.debianPackage as string], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const [kernel, initrd, userland] = out.split(' ');
    return { kernel: kernel as string, initrd: initrd as string, userland: userland as string };
  }
  const out = execFileSync('bash', [join(REPO, 'harness', 'guest', 'prepare-kernel.sh'), CACHE, spec.debianPackage as string, ...(spec.suites ?? [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const [kernel, initrd] = out.split(' ');
  return { kernel: kernel as string, initrd: initrd as string };
}
