// CPU time of a process in ns, for the bench's CPU figures (/proc's clock ticks are 10 ms each),
// and the host's steal, which the latency windows report beside them.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * ns a process has spent on a CPU, all its threads (schedstat's first field, per thread; a thread
 * that ended takes its time with it). 0 for no process.
 */
export function cpuNs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended
    }
  }
  return ns;
}

/** The host's CPU ticks so far, all CPUs (/proc/stat's first line): steal and the total. */
export function hostTicks(): { steal: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest and guest_nice are within user and nice)
  return { steal: fields[7] ?? 0, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
}
