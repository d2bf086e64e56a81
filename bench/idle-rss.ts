// node dist/bench/idle-rss.js [--runs N] [--k K] VARIANT...: the footprint goal's measure, side by
// side: a daemon under the launcher's node flags and environment at ~1,000 series (dir_stats filled as the host
// bench does), RSS after four scrapes, for each variant in turn, the variants alternating run by
// run so that drift of the host hits all of them alike. A VARIANT is `name:token,token...`, each
// token a node flag (`--jitless`), an env setting (`MALLOC_ARENA_MAX=2`) or `@path` to another
// build's main.js (a copy of the tree before a change). Prints one JSON line per daemon, then a
// summary (min/median/max RSS per variant). RSS barely depends on host load, so this is valid on
// a busy host; no timings are taken.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, MAIN, sleep } from '../harness/daemon.js';
import { seriesCount } from '../harness/prom-text.js';
import { closeDaemonMaps, fillDirStats, UNIT_ENV, UNIT_NODE_FLAGS } from './host-bench.js';

interface Variant {
  name: string;
  flags: string[];
  env: Record<string, string>;
  main: string;
}

function parseVariant(spec: string): Variant {
  const [name, rest = ''] = spec.split(/:(.*)/s) as [string, string?];
  const v: Variant = { name, flags: [], env: {}, main: MAIN };
  for (const t of rest.split(',').filter(Boolean)) {
    if (t.startsWith('--')) v.flags.push(t);
    else if (t.startsWith('@')) v.main = t.slice(1);
    else {
      const [key, value = ''] = t.split(/=(.*)/s) as [string, string?];
      v.env[key] = value;
    }
  }
  return v;
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const [, value] = args.splice(i, 2);
  return Number(value);
};
const runs = opt('--runs', 3);
// 60 directories: the fixed set (~640 series) plus 6 each, ~1,000 in all (the goal's count)
const k = opt('--k', 60);
const variants = (args.length ? args : ['launcher:']).map(parseVariant);

const status = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024;
const mb = (x: number) => Number(x.toFixed(1));

async function measure(v: Variant) {
  const port = await freePort();
  const child = spawn(process.execPath, [...UNIT_NODE_FLAGS, ...v.flags, v.main, `--web.listen-address=127.0.0.1:${port}`, `--top-directories=${k}`, '--log.level=warn'], {
    env: { ...process.env, ...UNIT_ENV, ...v.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const pid = child.pid as number;
  const base = `http://127.0.0.1:${port}`;
  try {
    // up once /readyz answers with the attach finished (the walk probes are refused on this host)
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${base}/readyz`).then((x) => x.json() as Promise<{ reasons?: string[] }>, () => undefined);
      if (r && !r.reasons?.includes('probes are being attached')) break;
      await sleep(100);
    }
    fillDirStats(pid, Math.ceil(k * 1.5));
    let series = 0;
    for (let i = 0; i < 4; i++) {
      const body = await (await fetch(`${base}/metrics`)).text();
      series = seriesCount(body);
      await sleep(1000); // a second between scrapes: the daemon idles as between Prometheus scrapes, not under a flood
    }
    const s = status(pid);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { variant: v.name, series, rssMb: mb(kb(s, 'VmRSS')), anonMb: mb(kb(s, 'RssAnon')), fileMb: mb(kb(s, 'RssFile')), threads: Number(/^Threads:\s+(\d+)/m.exec(s)?.[1]), pssMb: mb(kb(rollup, 'Pss')) };
  } finally {
    closeDaemonMaps(pid);
    child.kill('SIGTERM');
    await exited;
  }
}

const results: Array<Awaited<ReturnType<typeof measure>>> = [];
for (let r = 0; r < runs; r++)
  for (const v of variants) {
    const m = await measure(v);
    results.push(m);
    process.stdout.write(`${JSON.stringify(m)}\n`);
  }
for (const v of variants) {
  const rss = results.filter((m) => m.variant === v.name).map((m) => m.rssMb).sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ variant: v.name, runs: rss.length, rssMinMb: rss[0], rssMedianMb: rss[Math.floor(rss.length / 2)], rssMaxMb: rss.at(-1) })}\n`);
}
