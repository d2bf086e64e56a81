import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, MAIN, sleep } from './dist/harness/daemon.js';
import { closeDaemonMaps, fillDirStats, UNIT_ENV, UNIT_NODE_FLAGS } from './dist/bench/host-bench.js';
const k = 65; const secs = Number(process.argv[2] ?? 60); const extra = (process.argv[3] ?? '').split(',').filter(Boolean); const flags = extra.filter(t => t.startsWith('--')); const env = Object.fromEntries(extra.filter(t => !t.startsWith('--')).map(t => t.split('=')));
const port = await freePort();
const child = spawn(process.execPath, [...UNIT_NODE_FLAGS, ...flags, MAIN, `--web.listen-address=127.0.0.1:${port}`, `--top-directories=${k}`, '--log.level=warn'], { env: { ...process.env, ...UNIT_ENV, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
const pid = child.pid; const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) { const r = await fetch(`${base}/readyz`).then((x) => x.json(), () => undefined); if (r && !r.reasons?.includes('probes are being attached')) break; await sleep(100); }
fillDirStats(pid, Math.ceil(k * 1.5));
for (let i = 0; i < 4; i++) { await (await fetch(`${base}/metrics`)).text(); await sleep(1000); }
const st = async () => { const s = readFileSync(`/proc/${pid}/status`, 'utf8'); const g = (f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(s)[1]) / 1024;
  const m = await (await fetch(`${base}/metrics`)).text(); const h = (n) => (Number(new RegExp(`^${n} (\\S+)`, 'm').exec(m)?.[1]) / 1048576).toFixed(1);
  return `rss ${g('VmRSS').toFixed(1)} anon ${g('RssAnon').toFixed(1)} file ${g('RssFile').toFixed(1)} heapTotal ${h('nodejs_heap_size_total_bytes')} heapUsed ${h('nodejs_heap_size_used_bytes')} external ${h('nodejs_external_memory_bytes')}`; };
console.log('idle', await st());
execFileSync('wrk', ['-t2', '-c4', `-d${secs}s`, '-H', 'Accept-Encoding: gzip', `${base}/metrics`], { stdio: 'ignore' }); execFileSync('wrk', ['-t2', '-c4', `-d${secs}s`, `${base}/api/v1/slow-walks?limit=100`], { stdio: 'ignore' });
console.log('after flood', await st());
await sleep(10000); console.log('after 10 s', await st());
if (process.argv[4] !== 'trim') { closeDaemonMaps(pid); child.kill('SIGTERM'); process.exit(0); }
const trim = () => execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int)malloc_trim(0)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(l => l.startsWith('$')).join();
console.log(trim()); console.log('after trim', await st());
await sleep(30000); console.log('after 30 s more', await st());
closeDaemonMaps(pid); child.kill('SIGTERM');
