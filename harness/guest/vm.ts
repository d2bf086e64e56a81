// Runs a shell command as root in a real kernel under qemu (TCG), with the host root visible
// read-only at the same paths, a writable ext4 scratch disk ($VM_SCRATCH), a writable output
// directory shared with the host ($VM_OUT), and optional port forwards to host loopback.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { consoleTrouble } from './console-trouble.js';
import { bootFiles, CACHE, kernelSpec, REPO, VmError } from './kernels.js';

export interface VmOptions {
  kernel: string;
  command: string;
  smp?: number;
  memMb?: number;
  timeoutSec?: number;
  /** [hostPort, guestPort]: host 127.0.0.1:hostPort reaches the guest's guestPort */
  forwards?: Array<[number, number]>;
  /** host directory shared writable at the same path in the guest (default: a fresh one) */
  outDir?: string;
  cwd?: string;
  scratchMb?: number;
  /** the command's output lines; default: written to stdout */
  onLine?: (line: string) => void;
  onProgress?: (message: string) => void;
  /** kernel command-line additions */
  append?: string;
  /**
   * Called before the guest boots once more after TCG's int3 fault killed it mid-command
   * (tcgInt3Fault): undo what the first run left behind (output files, observers), as the run
   * repeats from the start.
   */
  beforeRerun?: () => void | Promise<void>;
  /**
   * qemu -icount shift=N: guest time advances 2^N ns per emulated instruction instead of with
   * the host clock, so a guest timing counts instructions and does not move with host load.
   * Single-threaded TCG (the vCPUs take turns).
   */
  icountShift?: number;
  /**
   * Boot a whole Debian system instead of the 9p guest init: this kernel and initrd, the disk image
   * as root (/dev/vda, copy-on-write: the image stays as it is) and its own init (systemd), whose
   * unit prints the markers (test/systemd-guest/image/). The scratch disk becomes /dev/vdb.
   */
  system?: { name: string; kernel: string; initrd: string; disk: string; arch?: 'x86' | 'arm64' };
}

export interface VmResult {
  status: number;
  outDir: string;
  consolePath: string;
  bootSeconds: number;
  durationMs: number;
  /** the console's last lines: what a CI log shows of a guest that hung or failed */
  consoleTail: string[];
  /** the console's first lines of kernel trouble (oops, panic, lockup, stall), which the tail of a long hang no longer holds */
  kernelTrouble: string[];
  /** the console line of a kernel death before the guest's init ran, or of TCG's int3 fault, for which the guest was booted again */
  rebootedAfter?: string;
}

/** A guest's failure in one message: what went wrong, its console, and the console's last lines. */
export function guestFailure(what: string, vm: VmResult): string {
  const trouble = vm.kernelTrouble.length ? ['the kernel\'s first trouble:', ...vm.kernelTrouble.map((l) => `  | ${l}`)] : [];
  return [`${what} (exit ${vm.status}); console: ${vm.consolePath}`, ...trouble, 'its last lines:', ...vm.consoleTail.map((l) => `  | ${l}`)].join('\n');
}

/** how many of the console's trouble lines a failure names: the first ones, where a hang began */
const TROUBLE_LINES = 5;

const START = /@@VM-START (\S+)/;
const EXIT = /@@VM-EXIT (\d+)/;
const GUEST_INIT = join(REPO, 'harness', 'guest', 'guest-init.sh');
const GUEST_INIT_ARM64 = join(REPO, 'harness', 'guest', 'guest-init-arm64.sh');
const KERNEL_DEATH = /Kernel panic|Oops:|BUG:|general protection fault/;

/**
 * The first line of a kernel death on a console whose guest init never started: nothing of the
 * command ran, so booting again repeats no test. TCG has killed a guest at boot this way (an int3
 * Oops in patched kernel text, docs/reliability.md); a death after the start marker is the test's.
 */
export function deathBeforeInit(console: readonly string[], started: boolean, timedOut: boolean): string | undefined {
  if (started || timedOut) return undefined;
  return console.find((l) => KERNEL_DEATH.test(l))?.trim();
}

/**
 * The Oops line of an int3 trap whose code is no int3: in the Oops's `Code:` line the byte before
 * the marked one (the trap's RIP is one past its int3) is a NOP's again. That is multi-threaded
 * TCG running a stale translation of a jump-label site `text_poke_bp()` had finished patching
 * (docs/reliability.md): an emulation fault, not the test's. A real int3 (`cc`) is not matched.
 */
export function tcgInt3Fault(console: readonly string[]): string | undefined {
  const at = console.findIndex((l) => /Oops: int3:/.test(l));
  if (at < 0) return undefined;
  const code = console.slice(at, at + 12).find((l) => /\bCode: /.test(l));
  const before = code && /([0-9a-f]{2}) <[0-9a-f]{2}>/.exec(code);
  return before && before[1] !== 'cc' ? console[at]?.trim() : undefined;
}

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    throw new VmError(`${cmd} not found: install it with apt-get install ${pkg} (or bash scripts/deps.sh e2e)`);
}

/**
 * Boots the guest; a kernel that dies before the guest's init ran, or of TCG's int3 fault at any
 * time, is booted once more (the command runs again from the start, after o.beforeRerun).
 */
export async function runInVm(o: VmOptions): Promise<VmResult> {
  mkdirSync(CACHE, { recursive: true });
  const outDir = o.outDir ?? mkdtempSync(join(CACHE, 'out-'));
  const progress = o.onProgress ?? ((m: string) => process.stderr.write(`vm: ${m}\n`));
  const first = await bootOnce({ ...o, outDir, onProgress: progress });
  const why = first.diedBeforeInit ?? first.tcgFault;
  if (!why) return first.result;
  renameSync(first.result.consolePath, join(outDir, 'console-first-boot.log'));
  if (first.diedBeforeInit) progress(`the guest kernel died before its init ran (${why}); booting once more, first console: console-first-boot.log`);
  else {
    progress(`the guest kernel died of TCG's int3 fault (${why}, docs/reliability.md); running the command once more, first console: console-first-boot.log`);
    await o.beforeRerun?.();
  }
  const second = await bootOnce({ ...o, outDir, onProgress: progress });
  return { ...second.result, rebootedAfter: why };
}

async function bootOnce(o: VmOptions & { outDir: string; onProgress: (message: string) => void }): Promise<{ result: VmResult; diedBeforeInit?: string; tcgFault?: string }> {
  const spec = o.system ? { name: o.system.name, describe: o.system.name, arch: o.system.arch } : kernelSpec(o.kernel);
  const arm64 = spec.arch === 'arm64';
  const qemuBinary = arm64 ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
  need(qemuBinary, arm64 ? 'qemu-system-arm (or bash scripts/deps.sh arm64)' : 'qemu-system-x86');
  need('mkfs.ext4', 'e2fsprogs');
  const progress = o.onProgress;
  progress(`preparing ${spec.name}`);
  const boot = o.system ? { kernel: o.system.kernel, initrd: o.system.initrd } : bootFiles(spec);
  const outDir = o.outDir;
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'run-'));
  const scratch = join(work, 'scratch.img');
  const consolePath = join(outDir, 'console.log');
  writeFileSync(join(outDir, 'cmd.sh'), `${o.command}\n`);
  const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=1', scratch, `${o.scratchMb ?? 4096}M`]);
  if (mk.status !== 0) throw new VmError(`mkfs.ext4 failed: ${mk.stderr}`);

  const cmdline = [
    arm64 ? 'console=ttyAMA0' : 'console=ttyS0',
    'quiet',
    'loglevel=3',
    'panic=-1',
    // an oops in a task (TCG's int3 fault among them) ends the guest at once, where it could find a rerun,
    // instead of killing the task with its spinlocks held and the guest soft-locked until the timeout
    'oops=panic',
    `vm_out=${outDir}`,
    `vm_cwd=${o.cwd ?? process.cwd()}`,
    ...(o.system
      ? ['root=/dev/vda', 'rw', 'systemd.show_status=0']
      : boot.initrd
      ? ['rdinit=/init', `guest_init=${arm64 ? GUEST_INIT_ARM64 : GUEST_INIT}`]
      : ['root=hostroot', 'rootfstype=9p', 'rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose', 'ro', `init=${GUEST_INIT}`]),
    o.append ?? '',
  ].join(' ');
  const fwd = (o.forwards ?? []).map(([h, g]) => `,hostfwd=tcp:127.0.0.1:${h}-:${g}`).join('');
  const args = [
    // pauth-impdef: TCG's architected pointer-authentication hash is slow, the impdef one is not
    // arm64: a Cortex-A72 (ARMv8.0: no pointer authentication, BTI or MTE). Under `-cpu max` Node
    // died of SIGSEGV in about half of the guest runs (at startup, or idle after "ready"); on
    // cortex-a72, 0 deaths in the runs since (docs/arm64.md). VM_ARM64_CPU picks another.
    ...(arm64 ? ['-M', 'virt', '-accel', 'tcg', '-cpu', process.env.VM_ARM64_CPU ?? 'cortex-a72'] : ['-accel', 'tcg', '-cpu', 'max']),
    ...(o.icountShift !== undefined ? ['-icount', `shift=${o.icountShift},sleep=off`] : []),
    '-smp', String(o.smp ?? 2), '-m', String(o.memMb ?? 3072),
    '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    '-kernel', boot.kernel, ...(boot.initrd ? ['-initrd', boot.initrd] : []),
    '-append', cmdline,
    ...(boot.userland ? ['-virtfs', `local,path=${boot.userland},mount_tag=arm64root,security_model=none,readonly=on,multidevs=remap`] : []),
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${outDir},mount_tag=vmout,security_model=none,multidevs=remap`,
    ...(o.system ? ['-drive', `file=${o.system.disk},if=virtio,format=raw,snapshot=on`] : []),
    '-drive', `file=${scratch},if=virtio,format=raw,cache=unsafe`,
    // romfile=: no PXE option ROM (ipxe-qemu), which a -kernel boot never runs
    '-netdev', `user,id=n0${fwd}`, '-device', arm64 ? 'virtio-net-pci,netdev=n0,romfile=' : 'virtio-net-pci,netdev=n0',
  ];
  const t0 = Date.now();
  progress(`booting ${spec.name} (${boot.kernel.replace(REPO + '/', '')})`);
  const qemu = spawn(qemuBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => qemu.kill('SIGKILL');
  process.on('exit', kill);
  const consoleLines: string[] = [];
  let started = false;
  let status: number | undefined;
  let bootSeconds = NaN;
  const emit = o.onLine ?? ((l: string) => process.stdout.write(`${l}\n`));
  const lines = createInterface({ input: qemu.stdout });
  lines.on('line', (raw) => {
    const line = raw.replace(/\r$/, '');
    consoleLines.push(line);
    const s = START.exec(line);
    if (s) {
      started = true;
      bootSeconds = Number(s[1]);
      progress(`guest up in ${((Date.now() - t0) / 1000).toFixed(1)} s (kernel uptime ${bootSeconds} s)`);
      return;
    }
    const e = EXIT.exec(line);
    if (e) {
      status = Number(e[1]);
      return;
    }
    if (started && status === undefined) emit(line);
  });
  let stderr = '';
  qemu.stderr.on('data', (d) => (stderr += d));
  const timeoutSec = o.timeoutSec ?? 600;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutSec * 1000);
  await new Promise<void>((resolve) => qemu.on('close', () => resolve()));
  clearTimeout(timer);
  process.off('exit', kill);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(consolePath, consoleLines.join('\n') + '\n');
  const durationMs = Date.now() - t0;
  const consoleTail = consoleLines.slice(-30);
  const kernelTrouble = consoleTrouble(consoleLines.join('\n')).slice(0, TROUBLE_LINES);
  if (status === undefined) {
    const why = timedOut ? `timed out after ${timeoutSec} s` : started ? 'the guest stopped before the command finished' : `the guest did not boot${stderr ? `: ${stderr.trim()}` : ''}`;
    const result = { status: timedOut ? 124 : 125, outDir, consolePath, bootSeconds, durationMs, consoleTail, kernelTrouble };
    progress(guestFailure(why, result));
    return { result, diedBeforeInit: deathBeforeInit(consoleLines, started, timedOut), tcgFault: timedOut ? undefined : tcgInt3Fault(consoleLines) };
  }
  progress(`${spec.name}: exit ${status} after ${(durationMs / 1000).toFixed(1)} s`);
  return { result: { status, outDir, consolePath, bootSeconds, durationMs, consoleTail, kernelTrouble } };
}
