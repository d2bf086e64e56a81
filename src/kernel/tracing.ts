// The kernel's tracing facilities as the attach plan asks about them: kprobes, tracepoints, and
// the perf_event_open policy.
import { existsSync, readFileSync } from 'node:fs';
import { tracefsState } from './tracefs.js';

/** libbpf attaches kprobes through the perf "kprobe" PMU, or legacy kprobe_events in tracefs. */
export function kernelHasKprobes(): boolean {
  return (
    existsSync('/sys/bus/event_source/devices/kprobe/type') ||
    existsSync('/sys/kernel/tracing/kprobe_events') ||
    existsSync('/sys/kernel/debug/tracing/kprobe_events')
  );
}

/** Whether tracepoint category:event exists; true when tracefs is not mounted (the attach then says why). */
export function tracepointExists(category: string, event: string): boolean {
  const t = tracefsState();
  return !t.mounted || existsSync(`${t.path}/events/${category}/${event}`);
}

export function perfEventParanoid(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim());
  } catch {
    return undefined;
  }
}
