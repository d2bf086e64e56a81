// Host-side benchmarks against the real daemon on this kernel: /metrics latency and size as the
// number of directory series grows (the daemon's own dir_stats map filled from user space, since
// the walk probes cannot attach here), wrk load on /metrics and /api/v1/slow-walks, and the
// daemon's RSS and CPU at idle and under a watch-syscall storm.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Layout, encodeDirKey } from '../src/bpf/abi.js';
import { libbpf } from '../src/bpf/libbpf.js';
import { daemonMapIds, freePort, sleep, startDaemon, type Daemon } from '../harness/daemon.js';
import { parseProm, seriesCount, sum } from '../harness/prom-text.js';
import { cpuNs } from './cpu-ns.js';
import { inWindows, LATENCY_WINDOWS, type WindowedLatency } from './latency-windows.js';
import { scrapesAfterChange } from './scrapes-after-change.js';

/**
 * The node flags the package's launcher (/usr/bin/fsnotify-exporter, which the systemd unit runs)
 * starts the daemon with: the bench measures what production runs.
 */
export const UNIT_NODE_FLAGS = launcherNodeFlags(readFileSync('packaging/fsnotify-exporter.sh', 'utf8'));
/** The environment the launcher gives node: what it sets (`NAME=${NAME:-default}`, e.g. MALLOC_ARENA_MAX)
 * and, as undefined (spawn leaves those out), what it unsets (NODE_EXTRA_CA_CERTS): part of what production runs. */
export const UNIT_ENV = launcherEnv(readFileSync('packaging/fsnotify-exporter.sh', 'utf8'));

export function launcherEnv(script: string): Record<string, string | undefined> {
  const set = [...script.matchAll(/^([A-Z_][A-Z0-9_]*)=\$\{\1:-([^}]*)\}$/gm)].map((m) => [m[1] as string, m[2] as string]);
  const unset = [...script.matchAll(/^unset ([A-Z_][A-Z0-9_ ]*)$/gm)].flatMap((m) => (m[1] as string).split(' ').filter(Boolean).map((name) => [name, undefined]));
  return Object.fromEntries([...set, ...unset]);
}

export function launcherNodeFlags(script: string): string[] {
  const m = /^exec "\$dir\/node\/bin\/node"((?:\s+--\S+)*)\s/m.exec(script);
  if (!m) throw new Error('packaging/fsnotify-exporter.sh: no exec of the bundled node found');
  return (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

export interface WrkResult {
  url: string;
  seconds: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

/** Seconds past its -d that wrk may take before it counts as hung. */
const WRK_MARGIN_SECONDS = 60;

/** wrk with --latency; its text report parsed. Errors = socket errors + non-2xx responses. */
/** `gzip`: ask for a gzipped body, as Prometheus does */
export function wrk(url: string, seconds: number, connections = 4, gzip = false): WrkResult {
  const headers = gzip ? ['-H', 'Accept-Encoding: gzip'] : [];
  // wrk ends itself after -d; the margin covers its start and a last request on a loaded host
  const limitMs = (seconds + WRK_MARGIN_SECONDS) * 1000;
  const r = spawnSync('wrk', [`-t${Math.min(2, connections)}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...headers, url], { encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw new Error(`wrk against ${url} did not end within ${limitMs / 1000} s; a synchronous wait blocks the whole bench, so it is bounded`);
  if (r.error) throw new Error(`wrk could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!m) throw new Error(`no ${label}% in wrk output:\n${out}`);
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    url,
    seconds,
    connections,
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    p50ms: ms('50'),
    p99ms: ms('99'),
  };
}

/** The daemon's map `name`, opened by id; one fd per map. */
const openMaps = new Map<string, number>();
function openDaemonMap(pid: number, name: string): number {
  const known = openMaps.get(`${pid}:${name}`);
  if (known !== undefined) return known;
  // the ids of the maps the daemon holds, from its own fds: Debian's bpftool lists no pids, and
  // another daemon on the host (an A/B, a second bench) has a dir_stats of its own
  const held = new Set(daemonMapIds(pid));
  const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' })) as Array<{ id: number; name: string }>;
  const ours = maps.filter((m) => m.name === name && held.has(m.id));
  if (ours.length === 0) throw new Error(`pid ${pid} holds no map ${name} (has the daemon exited?)`);
  const id = Math.max(...ours.map((m) => m.id));
  const fd = libbpf.mapGetFdById(id);
  if (fd < 0) throw new Error(`bpf_map_get_fd_by_id(${id}) failed: ${fd}`);
  openMaps.set(`${pid}:${name}`, fd);
  return fd;
}

export function closeDaemonMaps(pid: number): void {
  for (const [key, fd] of openMaps)
    if (key.startsWith(`${pid}:`)) {
      closeSync(fd);
      openMaps.delete(key);
    }
}

/** `n` directories in dir_stats, as the kernel side would have written them; `walks` scales the counters. */
export function fillDirStats(pid: number, n: number, walks = 1): void {
  // an LRU map never refuses an update, so a count gone wrong would otherwise write forever
  if (!Number.isInteger(n) || n < 0 || n > DIR_STATS_ENTRIES) throw new Error(`fillDirStats: ${n} directories, outside 0..${DIR_STATS_ENTRIES}`);
  const fd = openDaemonMap(pid, 'dir_stats');
  const L = Layout.dirStats;
  for (let i = 0; i < n; i++) {
    const v = Buffer.alloc(L.size);
    v.writeBigUInt64LE(BigInt((i + 1) * walks), L.walks);
    v.writeBigUInt64LE(BigInt((i + 1) * 1_000_000), L.walkNs);
    v.writeBigUInt64LE(BigInt(i * 1000), L.lockWaitNs);
    v.writeBigUInt64LE(BigInt(i * 500), L.lockWaitNs + 8);
    v.writeBigUInt64LE(BigInt(i * 10), L.children);
    v.writeBigUInt64LE(BigInt(i * 1000), L.children + 8);
    v.writeBigUInt64LE(1n, L.lastScanNs);
    v.write(`/srv/bench/dir-${String(i).padStart(5, '0')}`, L.path, 'utf8');
    const rc = libbpf.mapUpdateElem(fd, encodeDirKey({ ino: BigInt(100_000 + i), dev: (8 << 20) | 1 }), v, 0n);
    if (rc < 0) throw new Error(`bpf_map_update_elem: ${rc}`);
  }
}

/** A dir-churn.js process rewriting `count` directories of the daemon's map until stopped. */
function churn(pid: number, count: number) {
  const p = spawn(process.execPath, ['dist/bench/dir-churn.js', String(pid), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => p.on('exit', () => r()));
  return {
    stop: async () => {
      p.kill('SIGTERM');
      await exited;
      return Number((JSON.parse(out.trim() || '{"passes":0}') as { passes: number }).passes);
    },
  };
}

/** The daemon as production starts it, with `--top-directories=k`; throws if it did not stay up. */
async function startBenchDaemon(k: number): Promise<Daemon> {
  const d = await startDaemon([`--top-directories=${k}`, '--log.level=warn'], UNIT_ENV, UNIT_NODE_FLAGS);
  if (d.child.exitCode !== null) throw new Error(`the daemon (--top-directories=${k}) exited ${d.child.exitCode} at start: ${d.stderr().trim().split('\n').at(-1)}`);
  return d;
}

/** Series a top-K directory adds on this host (walks, walk seconds, two lock waits, two child
 * counts, two watcher counts): the first row's guess, which the first row then measures. */
export const SERIES_PER_DIRECTORY = 8;

/** A row of the scrape table: a number of directory series, or of series in all (the fixed set
 * plus the directories'), turned into --top-directories once the fixed set has been counted. */
export type ScrapeTarget = { directorySeries: number } | { series: number } | FullMapTarget;

/** A given --top-directories over a dir_stats holding `directoriesInMap` walked directories (full: 10,240). */
export interface FullMapTarget {
  topDirectories: number;
  directoriesInMap: number;
}

/** dir_stats' size (max_entries in bpf/fsnotify.bpf.c) */
export const DIR_STATS_ENTRIES = 10_240;

export async function scrapeScaling(targets: ScrapeTarget[], seconds: number, windows = LATENCY_WINDOWS) {
  const rows = [];
  let fixedSeries: number | undefined; // series that do not depend on K, counted by the first row
  let perDirectory = SERIES_PER_DIRECTORY; // measured by the first row
  for (const target of targets) {
    if ('series' in target && fixedSeries === undefined) throw new Error('the first scrape target must be a directory-series count');
    const k = 'topDirectories' in target ? target.topDirectories : 'directorySeries' in target ? Math.ceil(target.directorySeries / perDirectory) : Math.round((target.series - fixedSeries!) / perDirectory);
    const d = await startBenchDaemon(k);
    const pid = d.child.pid as number;
    try {
      const dirs = 'directoriesInMap' in target ? target.directoriesInMap : Math.ceil(k * 1.5); // more than K: the top-K cut runs
      fillDirStats(pid, dirs);
      const url = `http://127.0.0.1:${d.port}/metrics`;
      const body = await (await fetch(url)).text();
      const series = seriesCount(body);
      const dirSeries = seriesCount(body, 'fsnotify_directory_');
      if (fixedSeries === undefined) {
        fixedSeries = series - dirSeries;
        perDirectory = dirSeries / k;
        if (!Number.isInteger(perDirectory) || perDirectory < 1) throw new Error(`${dirSeries} directory series for ${k} directories`);
      }
      // one connection, back to back, gzip accepted: how a Prometheus server scrapes a target
      const steady = await steadyWindows(pid, url, seconds, windows);
      const writer = churn(pid, dirs);
      const changing = wrk(url, seconds, 1, true);
      const passes = await writer.stop();
      const gcBefore = await gcCounts(url);
      // the rewrites run in this process: the daemon's CPU is its scrapes'
      let pass = 1_000_000; // counters no earlier fill or writer reached, and none an earlier window wrote
      const changed = await inWindows(pid, windows, (r) => r.scrapes, () => scrapesAfterChange(url, seconds, () => fillDirStats(pid, dirs, pass++)));
      const gcAfter = await gcCounts(url);
      // the daemon's own GC histogram: old-generation collections are what a scrape's garbage that outlives it costs
      const changedEachScrape = { ...changed.latency, majorGcs: gcAfter.major - gcBefore.major, gcSeconds: gcAfter.seconds - gcBefore.seconds };
      rows.push({
        target,
        topDirectories: k,
        series,
        directorySeries: dirSeries,
        bytes: Buffer.byteLength(body),
        gzipBytes: gzipSync(body, { level: 1 }).length,
        ...steady,
        changing: { ...changing, churnPasses: passes },
        changedEachScrape,
        rssAfterMb: Number(rssMb(pid).toFixed(1)),
      });
    } finally {
      closeDaemonMaps(pid);
      await stopDaemon(d);
    }
  }
  return rows;
}

/** wrk -t1 -c1 on `url` in `count` windows: the row's wrk figures over every window, its latencies the median window's. */
async function steadyWindows(pid: number | undefined, url: string, seconds: number, count: number): Promise<WrkResult & Omit<WindowedLatency, 'scrapes'>> {
  const { scrapes, ...latency } = (await inWindows(pid, count, (r) => r.requests, () => wrk(url, seconds, 1, true))).latency;
  return { url, seconds: seconds * count, connections: 1, requests: scrapes, ...latency };
}

/** The daemon's major (mark-compact) GCs and all GC time so far, from its nodejs_gc_duration_seconds histogram. */
async function gcCounts(url: string): Promise<{ major: number; seconds: number }> {
  const m = parseProm(await (await fetch(url)).text());
  return { major: sum(m, 'nodejs_gc_duration_seconds_count', { kind: 'major' }), seconds: sum(m, 'nodejs_gc_duration_seconds_sum') };
}

async function stopDaemon(d: Daemon): Promise<void> {
  d.child.kill('SIGTERM');
  await d.exited;
}

const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** A process serving /metrics on 127.0.0.1:port: the daemon or a peer (node_exporter). */
type Target = { child: ChildProcess; port: number };

/** RSS and CPU over `seconds`, scraped every `scrapeEverySeconds`, with `load` running meanwhile. */
async function footprint(d: Target, seconds: number, scrapeEverySeconds: number, load?: () => { stop: () => Promise<number> }) {
  const pid = d.child.pid as number;
  const running = load?.();
  const t0 = Date.now();
  // schedstat's ns, not /proc/<pid>/stat's 10 ms clock ticks: 0.25% over 180 s is only 45 ticks
  const c0 = cpuNs(pid);
  const rss: number[] = [];
  while (Date.now() - t0 < seconds * 1000) {
    await fetch(`http://127.0.0.1:${d.port}/metrics`).then((r) => r.text());
    rss.push(rssMb(pid));
    await sleep(scrapeEverySeconds * 1000);
  }
  const cpuPercent = ((cpuNs(pid) - c0) / 1e9 / ((Date.now() - t0) / 1000)) * 100;
  const cycles = running ? await running.stop() : 0;
  const third = Math.max(1, Math.floor(rss.length / 3));
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return {
    seconds,
    scrapeEverySeconds,
    cpuPercentOfOneCore: Number(cpuPercent.toFixed(2)),
    rssStartMb: Number(rss[0]!.toFixed(1)),
    rssEndMb: Number(rss.at(-1)!.toFixed(1)),
    rssMaxMb: Number(Math.max(...rss).toFixed(1)),
    // flat: the mean of the last third against the mean of the first third
    rssGrowthPercent: Number(((avg(rss.slice(-third)) / avg(rss.slice(0, third)) - 1) * 100).toFixed(1)),
    watchCycles: cycles,
  };
}

/** A storm of inotify add/remove (the watch tracepoints fire on every call), on an empty directory
 * of its own: each add walks the directory's children, and /tmp's dcache grows from run to run. */
function watchStorm(seconds: number) {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-storm-'));
    const procs = [0, 1].map(() => spawn('python3', ['harness/workloads/fsload.py', 'watch-loop', dir, String(seconds)], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const outs = procs.map((p) => {
      let o = '';
      p.stdout?.on('data', (d) => (o += d));
      return new Promise<number>((r) => p.on('exit', () => r(Number(JSON.parse(o.trim() || '{"cycles":0}').cycles))));
    });
    return {
      stop: async () => {
        const cycles = (await Promise.all(outs)).reduce((a, b) => a + b, 0);
        rmSync(dir, { recursive: true, force: true });
        return cycles;
      },
    };
  };
}

/** wrk on /metrics and the slow-walk API, then the daemon's RSS: what an HTTP flood leaves behind. */
async function load(seconds: number, topDirectories: number) {
  const d = await startBenchDaemon(topDirectories);
  try {
    fillDirStats(d.child.pid as number, Math.ceil(topDirectories * 1.5));
    const base = `http://127.0.0.1:${d.port}`;
    const rssBeforeMb = Number(rssMb(d.child.pid as number).toFixed(1));
    const results = [wrk(`${base}/metrics`, seconds), wrk(`${base}/api/v1/slow-walks?limit=100`, seconds)];
    return { results, rssBeforeMb, rssAfterMb: Number(rssMb(d.child.pid as number).toFixed(1)), alive: (await fetch(`${base}/healthz`)).status === 200 };
  } finally {
    closeDaemonMaps(d.child.pid as number);
    await stopDaemon(d);
  }
}

/** Debian's prometheus-node-exporter, as the package installs it (its service never enabled). */
export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

/** node_exporter as a child process on a free loopback port, with its default collectors. */
export async function startNodeExporter(): Promise<Target & { version: string; stop: () => Promise<void> }> {
  if (!existsSync(NODE_EXPORTER)) throw new Error(`${NODE_EXPORTER} is missing: bash scripts/deps.sh bench`);
  const v = spawnSync(NODE_EXPORTER, ['--version'], { encoding: 'utf8' });
  const version = /version (\S+)/.exec(`${v.stdout}${v.stderr}`)?.[1] ?? '?';
  const port = await freePort();
  // Debian's build turns the systemd collector on; without systemd as PID 1 (containers, this
  // build host) it fails at every scrape and logs an error line each time: off there
  const systemd = existsSync('/run/systemd/private') ? [] : ['--no-collector.systemd'];
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...systemd], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`node_exporter exited ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  return {
    child,
    port,
    version,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Series and size of a target's /metrics, then wrk on it as in the scrape table (steady). */
export async function peerScrape(t: Target, seconds: number, windows = LATENCY_WINDOWS) {
  const url = `http://127.0.0.1:${t.port}/metrics`;
  const body = await (await fetch(url)).text();
  const result = await steadyWindows(t.child.pid, url, seconds, windows);
  return {
    series: seriesCount(body),
    bytes: Buffer.byteLength(body),
    gzipBytes: gzipSync(body, { level: 1 }).length,
    ...result,
    rssAfterMb: Number(rssMb(t.child.pid as number).toFixed(1)),
  };
}

/** RSS of a bare `node` (the launcher's flags, a timer keeping it alive): the floor the daemon stands on. */
export async function bareNodeRssMb(): Promise<number> {
  const p = spawn(process.execPath, [...UNIT_NODE_FLAGS, '-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore', env: { ...process.env, ...UNIT_ENV } });
  await sleep(3000);
  const mb = rssMb(p.pid as number);
  p.kill('SIGTERM');
  return Number(mb.toFixed(1));
}

/** bench/module-footprint.js under the launcher's flags: RSS after each dependency, in load order. */
export function moduleFootprint(): Array<{ module: string; rssMb: number; anonMb: number; fileMb: number; heapUsedMb: number }> {
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', ...UNIT_NODE_FLAGS, 'dist/bench/module-footprint.js'], { encoding: 'utf8', env: { ...process.env, ...UNIT_ENV } }));
}

/** Where an idle daemon's RSS is: anonymous (heap, malloc) and file-backed pages, and V8's own view. */
async function memoryBreakdown(d: Target) {
  const status = readFileSync(`/proc/${d.child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  const body = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
  const metric = (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1] ?? NaN) / 2 ** 20;
  const round = (x: number) => Number(x.toFixed(1));
  return {
    rssMb: round(kb('VmRSS')),
    anonMb: round(kb('RssAnon')),
    fileMb: round(kb('RssFile')),
    heapTotalMb: round(metric('nodejs_heap_size_total_bytes')),
    heapUsedMb: round(metric('nodejs_heap_size_used_bytes')),
    externalMb: round(metric('nodejs_external_memory_bytes')),
    newSpaceMb: round(metric('nodejs_heap_space_size_total_bytes{space="new"}')),
    oldSpaceMb: round(metric('nodejs_heap_space_size_total_bytes{space="old"}')),
    codeSpaceMb: round(metric('nodejs_heap_space_size_total_bytes{space="code"}')),
  };
}

/** Idle, then a watch-syscall storm, in a daemon of its own (not one just flooded by wrk); `peer`
 * (node_exporter), when given, is measured idle over the same window, scraped the same way. */
export async function loadAndFootprint(loadSeconds: number, idleSeconds: number, stormSeconds: number, topDirectories: number, peer?: Target) {
  const flood = await load(loadSeconds, topDirectories);
  const d = await startBenchDaemon(topDirectories);
  try {
    // the series of the scrape table's 1,000-series row: the footprint goals are at 1,000 series
    fillDirStats(d.child.pid as number, Math.ceil(topDirectories * 1.5));
    const base = `http://127.0.0.1:${d.port}`;
    // settle first: the first scrape compiles the collectors (tens of ms of CPU, once)
    await fetch(`${base}/metrics`).then((r) => r.text());
    await sleep(3000);
    const idlePhase = () => Promise.all([footprint(d, idleSeconds, Math.min(15, idleSeconds)), peer ? footprint(peer, idleSeconds, Math.min(15, idleSeconds)) : undefined]);
    // two windows in turn: a fresh daemon's first minutes carry V8's tier-up of the scrape path and
    // its one-off memory-reducer GCs; the second is the steady idle an SRE sees on a host
    const [idleFirst, peerIdleFirst] = await idlePhase();
    const [idle, peerIdle] = await idlePhase();
    const idleMemory = await memoryBreakdown(d);
    const storm = await footprint(d, stormSeconds, 1, watchStorm(stormSeconds));
    const body = await (await fetch(`${base}/metrics`)).text();
    const drops = body.split('\n').filter((l) => /^fsnotify_exporter_(map_drops|events_lost)_total/.test(l));
    const alive = flood.alive && (await fetch(`${base}/healthz`)).status === 200;
    const series = seriesCount(body);
    return { load: flood.results, rssAfterLoad: { beforeMb: flood.rssBeforeMb, afterMb: flood.rssAfterMb }, footprintSeries: series, idleFirst, idle, idleMemory, peerIdleFirst, peerIdle, storm, dropCounters: drops, alive };
  } finally {
    closeDaemonMaps(d.child.pid as number);
    await stopDaemon(d);
  }
}
