// The demo, inside the guest: the seed's scenario at reduced scale, then a short summary and the
// daemon's own metric lines.
import { execFileSync } from 'node:child_process';
import { exitCodeAfter, fsload, fsloadInBackground, getJson, scrape, SCRATCH, sleep, startDaemon, waitReady } from '../../harness/guest-kit.js';
import { parseProm, sum } from '../../harness/prom-text.js';
import type { SlowWalk } from '../../src/collect/slow-walks.js';

const N = Number(process.env.DEMO_NEGATIVE ?? 100_000);
const say = (m: string) => process.stdout.write(`demo: ${m}\n`);

const other = fsloadInBackground('hold-watch', `${SCRATCH}/other`, 600);
say('starting fsnotify-exporter');
const daemon = startDaemon(['--slow-walk.threshold=5ms', '--log.level=warn']);
if (!(await waitReady(daemon.child))) throw new Error(`the daemon did not become ready: ${daemon.output().slice(-2000)}`);
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
const slowest = (await getJson<{ events: SlowWalk[] }>('/api/v1/slow-walks?limit=1')).events[0];
process.stdout.write(`
==== summary (kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}) ====
directory     ${slowest?.path ?? '/big'} (relative to the file system root)
children      ${sum(m, 'fsnotify_directory_children', { kind: 'negative' })} negative, ${sum(m, 'fsnotify_directory_children', { kind: 'positive' })} positive (last scan)
walks         ${walks} (${herd} from __fsnotify_parent: the herd), ${(walkSeconds * 1000).toFixed(1)} ms in all
lock waits    i_lock ${(sum(m, 'fsnotify_lock_wait_seconds_sum', { lock: 'i_lock' }) * 1000).toFixed(2)} ms, d_lock ${(sum(m, 'fsnotify_lock_wait_seconds_sum', { lock: 'd_lock' }) * 1000).toFixed(2)} ms
slowest event ${slowest ? `${slowest.comm}[${slowest.pid}] ${(slowest.duration_seconds * 1000).toFixed(1)} ms` : 'none'}

==== /metrics (fsnotify_*, without histogram buckets) ====
`);
for (const line of text.split('\n'))
  if (line.startsWith('fsnotify_') && !line.includes('_bucket{') && !line.startsWith('fsnotify_exporter_')) process.stdout.write(`${line}\n`);
await exitCodeAfter(daemon.child, 'SIGTERM');
other.kill();
