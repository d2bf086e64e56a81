import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { freePort, sleep } from './dist/harness/daemon.js';
import { closeDaemonMaps, fillDirStats, UNIT_ENV, UNIT_NODE_FLAGS } from './dist/bench/host-bench.js';
const k = 60; const port = await freePort();
const child = spawn(process.execPath, [...UNIT_NODE_FLAGS, '--heapsnapshot-signal=SIGUSR2', 'dist/bundle/main.js', `--web.listen-address=127.0.0.1:${port}`, `--top-directories=${k}`, '--log.level=warn'], { env: { ...process.env, ...UNIT_ENV }, stdio: ['ignore', 'ignore', 'inherit'], cwd: process.cwd() });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) { const r = await fetch(`${base}/readyz`).then((x) => x.json(), () => undefined); if (r && !r.reasons?.includes('probes are being attached')) break; await sleep(100); }
fillDirStats(child.pid, 90);
for (let i = 0; i < 4; i++) { await (await fetch(`${base}/metrics`)).text(); await sleep(1000); }
process.kill(child.pid, 'SIGUSR2'); await sleep(8000);
closeDaemonMaps(child.pid); child.kill('SIGTERM');
