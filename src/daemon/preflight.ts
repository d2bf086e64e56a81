// Facts that make loading pointless, checked before libbpf is touched: each is one line and an exit code.
import { existsSync } from 'node:fs';
import { ExitCode, FatalError } from '../errors.js';
import { capName, missingForAttach, ownCapabilities } from '../kernel/capabilities.js';
import { VMLINUX_BTF, type KernelInfo } from '../kernel/kernel-info.js';

export interface PreflightHost {
  bpfSyscall: boolean;
  effectiveCapabilities: bigint;
  uid: number | undefined;
}

/** What preflight reads from this machine besides the kernel info. */
const thisHost = (): PreflightHost => ({
  bpfSyscall: existsSync('/sys/fs/bpf') || existsSync('/proc/sys/kernel/unprivileged_bpf_disabled'),
  effectiveCapabilities: ownCapabilities().effective,
  uid: process.getuid?.(),
});

export function preflight(kernel: KernelInfo, host: PreflightHost = thisHost()): void {
  if (!kernel.btf)
    throw new FatalError(ExitCode.KERNEL, `the kernel has no BTF (${VMLINUX_BTF} is missing)`, 'run a kernel built with CONFIG_DEBUG_INFO_BTF=y');
  if (!kernel.walkFunction)
    throw new FatalError(
      ExitCode.KERNEL,
      'neither fsnotify_set_children_dentry_flags nor __fsnotify_update_child_dentry_flags is in /proc/kallsyms',
      'this kernel has no fsnotify child-dentry walk to trace (CONFIG_FSNOTIFY off?)',
    );
  if (!host.bpfSyscall) throw new FatalError(ExitCode.KERNEL, 'the kernel has no bpf() support', 'run a kernel built with CONFIG_BPF_SYSCALL=y');
  const missing = missingForAttach(host.effectiveCapabilities);
  if (missing.length > 0)
    throw new FatalError(
      ExitCode.PRIVILEGE,
      `missing capability ${missing.map(capName).join(' and ')} (uid ${host.uid}): loading needs CAP_BPF, attaching CAP_PERFMON`,
      'run as root, or grant CAP_BPF CAP_PERFMON CAP_SYSLOG as systemd/fsnotify-exporter.service does',
    );
}

