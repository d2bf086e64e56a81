// The demo, inside the guest: the seed's scenario at reduced scale, then a short summary and the
// daemon's own metric lines.
import { execFileSync, spawn } from 'node:child_process';
import { parseProm, sum } from './prom-text.js';

const SCRATCH = process.env.VM_SCRATCH as string;
const N = Number(process.env.DEMO_NEGATIVE ?? 100_000);
const say = (m: string) => process.stdout.write(`demo: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fsload = (...a: Array<string | number>) => execFileSync('python3', ['test/e2e/workloads/fsload.py', ...a.map(String)], { encoding: 'utf8' });
const scrape = async () => (await fetch('http://127.0.0.1:9717/metrics')).text();

const other = spawn('python3', ['test/e2e/workloads/fsload.py', 'hold-watch', `${SCRATCH}/other`, '600'], { stdio: 'ignore' });
say('starting fsnotify-exporter');
const daemon = spawn(process.execPath, ['dist/src/main.js', '--web.listen-address=127.0.0.1:9717', '--slow-walk.threshold=5ms', '--log.level=warn'], { stdio: 'ignore' });
for (let i = 0; i < 600; i++) {
  try {
    if ((await fetch('http://127.0.0.1:9717/readyz')).status === 200) break;
  } catch {
    // not yet
  }
  await sleep(100);
}
say(`creating ${N} negative dentries in ${SCRATCH}/big (lookups of names that do not exist)`);
fsload('negdents', `${SCRATCH}/big`, N, 4);
say('adding an inotify watch on it (one walk over every child)');
fsload('watch', `${SCRATCH}/big`);
await sleep(500);
say('opening files in it from 4 processes at once after the watch is gone (the herd, on old kernels)');
fsload('herd', `${SCRATCH}/big`, 4);
await sleep(1000);
const text = await scrape();
const m = parseProm(text);
const walks = sum(m, 'fsnotify_walks_total');
const herd = sum(m, 'fsnotify_walks_total', { trigger: 'parent_event' });
const walkSeconds = sum(m, 'fsnotify_walk_duration_seconds_sum');
const slow = (await (await fetch('http://127.0.0.1:9717/api/v1/slow-walks?limit=1')).json()) as { events: Array<{ path: string; comm: string; pid: number; duration_seconds: number; children: { negative: number; positive: number } }> };
process.stdout.write(`
==== summary (kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}) ====
directory     ${slow.events[0]?.path ?? '/big'} (relative to the file system root)
children      ${sum(m, 'fsnotify_directory_children', { kind: 'negative' })} negative, ${sum(m, 'fsnotify_directory_children', { kind: 'positive' })} positive (last scan)
walks         ${walks} (${herd} from __fsnotify_parent: the herd), ${(walkSeconds * 1000).toFixed(1)} ms in all
lock waits    i_lock ${(sum(m, 'fsnotify_lock_wait_seconds_sum', { lock: 'i_lock' }) * 1000).toFixed(2)} ms, d_lock ${(sum(m, 'fsnotify_lock_wait_seconds_sum', { lock: 'd_lock' }) * 1000).toFixed(2)} ms
slowest event ${slow.events[0] ? `${slow.events[0].comm}[${slow.events[0].pid}] ${(slow.events[0].duration_seconds * 1000).toFixed(1)} ms` : 'none'}

==== /metrics (fsnotify_*, without histogram buckets) ====
`);
for (const line of text.split('\n'))
  if (line.startsWith('fsnotify_') && !line.includes('_bucket{') && !line.startsWith('fsnotify_exporter_')) process.stdout.write(`${line}\n`);
daemon.kill('SIGTERM');
other.kill();
await sleep(500);
