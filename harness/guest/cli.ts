// npm run vm -- [--kernel debian-6.1|debian-6.12|oldfsnotify|debian-6.1-arm64|debian-6.12-arm64|<bzImage>] [--smp N] [--mem MB]
//               [--timeout S] [--forward HOST:GUEST] [--out DIR] '<shell command>'
// Runs the command as root in the guest and exits with its status.
import { Command, InvalidArgumentError } from 'commander';
import { VmError } from './kernels.js';
import { runInVm } from './vm.js';

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number');
  return Number(v);
};
const forwards: Array<[number, number]> = [];

const program = new Command('vm')
  .description('run a shell command as root inside a real kernel under qemu')
  .argument('<command...>', 'shell command (quote it)')
  .option('--kernel <name>', 'debian-6.1, debian-6.12, oldfsnotify, debian-6.1-arm64, debian-6.12-arm64 or a bzImage path', process.env.E2E_KERNEL ?? 'debian-6.12')
  .option('--smp <n>', 'vCPUs', int, 2)
  .option('--mem <mb>', 'memory', int, 3072)
  .option('--icount <shift>', 'qemu -icount shift=N,sleep=off: guest time counts instructions, not host time', int)
  .option('--timeout <s>', 'kill the guest after this many seconds', int, 600)
  .option('--out <dir>', 'host directory shared writable with the guest at the same path ($VM_OUT)')
  .option('--forward <host:guest>', 'forward 127.0.0.1:host to the guest port', (v: string) => {
    const m = /^(\d+):(\d+)$/.exec(v);
    if (!m) throw new InvalidArgumentError('must be HOSTPORT:GUESTPORT');
    forwards.push([Number(m[1]), Number(m[2])]);
    return v;
  })
  .action(async (command: string[], o: { kernel: string; smp: number; mem: number; timeout: number; out?: string; icount?: number }) => {
    try {
      const r = await runInVm({ kernel: o.kernel, command: command.join(' '), smp: o.smp, memMb: o.mem, timeoutSec: o.timeout, outDir: o.out, forwards, icountShift: o.icount });
      process.exit(r.status);
    } catch (e) {
      if (e instanceof VmError) {
        process.stderr.write(`vm: ${e.message}\n`);
        process.exit(2);
      }
      throw e;
    }
  });

await program.parseAsync();
