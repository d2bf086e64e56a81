// One build's bench daemon, for a side-by-side: run with cwd = that build's checkout, it starts the
// daemon with that build's own node flags and environment, fills its dir_stats with that build's
// own code and layout, prints one JSON line { pid, port, series, directorySeries } and keeps the
// daemon until its stdin closes. argv: --top-directories.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
// dependency-free: the build's own bench modules load its libbpf, this process loads no second one
import { seriesCount } from '../harness/prom-text.js';

interface BuildBench {
  UNIT_NODE_FLAGS: string[];
  UNIT_ENV?: Record<string, string | undefined>;
  fillDirStats(pid: number, n: number): void;
  closeDaemonMaps?(pid: number): void;
}
interface BuildHarness {
  startDaemon(args: string[], env: Record<string, string | undefined>, nodeFlags: string[]): Promise<{ port: number; child: import('node:child_process').ChildProcess; exited: Promise<unknown>; stderr(): string }>;
}

const k = Number(process.argv[2]);
if (!Number.isInteger(k) || k < 1) throw new Error(`build-daemon: --top-directories ${process.argv[2]} is not a positive integer`);
const cwd = process.cwd();
const bench = (await import(resolve(cwd, 'dist/bench/host-bench.js'))) as BuildBench;
// the daemon harness moved from test/daemon/ to harness/ after the baseline
const harness = (await import(resolve(cwd, existsSync('dist/harness/daemon.js') ? 'dist/harness/daemon.js' : 'dist/test/daemon/harness.js'))) as BuildHarness;
const d = await harness.startDaemon([`--top-directories=${k}`, '--log.level=warn'], bench.UNIT_ENV ?? {}, bench.UNIT_NODE_FLAGS);
const pid = d.child.pid as number;
const stop = async () => {
  bench.closeDaemonMaps?.(pid);
  d.child.kill('SIGTERM');
  await d.exited;
};
try {
  if (d.child.exitCode !== null) throw new Error(`the daemon of ${cwd} exited ${d.child.exitCode} at start: ${d.stderr().trim().split('\n').at(-1)}`);
  // more than K: the top-K cut runs on every scrape
  bench.fillDirStats(pid, Math.ceil(k * 1.5));
  const body = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
  process.stdout.write(`${JSON.stringify({ pid, port: d.port, series: seriesCount(body), directorySeries: seriesCount(body, 'fsnotify_directory_') })}\n`);
} catch (e) {
  await stop();
  throw e;
}
process.stdin.resume();
process.stdin.on('end', () => void stop().then(() => process.exit(0)));
