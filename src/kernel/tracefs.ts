// Where libbpf looks for tracepoint ids: it prefers debugfs's tracing directory whenever that
// path exists (libbpf's use_debugfs()), else /sys/kernel/tracing. Neither is there until tracefs
// is mounted (systemd mounts it at boot; a bare container or VM may not).
import { existsSync } from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/** The tracing directory libbpf will read, and whether tracefs is mounted there. */
export function tracefsState(): { path: string; mounted: boolean } {
  const path = existsSync(DEBUGFS_TRACING) ? DEBUGFS_TRACING : TRACEFS;
  return { path, mounted: existsSync(`${path}/events`) };
}
