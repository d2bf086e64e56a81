// The real daemon as a child process on this host (daemon tests, host bench), and what of ours the kernel holds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROGRAM_NAMES } from '../src/bpf/probes.js';

export { sleep };

/** The daemon as shipped: the bundle `npm run build` writes (scripts/bundle.mjs) */
export const MAIN = 'dist/bundle/main.js';
/** bpftool's line for any program of ours: a probe table name, whole (bpftool reads it from BTF) or as the 15 characters the kernel keeps */
export const OUR_PROGRAMS = new RegExp(`\\bname (${[...new Set(PROGRAM_NAMES.flatMap((n) => [n, n.slice(0, 15)]))].join('|')})(\\s|$)`);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Daemon {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** A GET over TLS to a daemon whose web config serves a certificate for `localhost` signed by `ca`. */
export function tlsGet(port: number, path: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET /readyz, over TLS when `tlsCa` is given (see tlsGet). */
async function readyz(port: number, tlsCa?: Buffer): Promise<{ status: number; body: string }> {
  if (tlsCa) return tlsGet(port, '/readyz', tlsCa);
  const r = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: r.status, body: await r.text() };
}

/** `tlsCa`: the daemon serves TLS (a web config in `args`) with a certificate that CA signed, for `localhost`. */
export async function startDaemon(args: string[] = [], env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = [], tlsCa?: Buffer): Promise<Daemon> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, MAIN, `--web.listen-address=127.0.0.1:${port}`, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await readyz(port, tlsCa);
      const body = JSON.parse(r.body) as { reasons?: string[] };
      if (r.status === 200 || !body.reasons?.includes('probes are being attached')) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return { child, port, stdout: () => out, stderr: () => err, exited };
}

/** `wrapper`: a command that execs the daemon, e.g. setpriv with a reduced bounding set. */
export function runDaemonSync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000, uid?: number, wrapper: string[] = []) {
  const argv = [...wrapper, process.execPath, MAIN, ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL', // a daemon stuck past the timeout may be blocking in a read, where SIGTERM's handler never runs
    env: { ...process.env, ...env },
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Names of loaded BPF programs of ours, from bpftool. */
export function ourPrograms(): string[] {
  const out = spawnSync('bpftool', ['prog', 'show'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => OUR_PROGRAMS.test(l));
}

/** The ids of the BPF maps `pid` holds an fd to (each map fd's fdinfo has its map_id). */
export function daemonMapIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed since the listing
    }
    const id = /^map_id:\s+(\d+)$/m.exec(info)?.[1];
    if (id !== undefined) ids.push(Number(id));
  }
  return ids;
}

/** Ids of the programs a live process holds an fd of (fdinfo's prog_id: program and link fds). */
function heldProgramIds(): Set<string> {
  const ids = new Set<string>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const id = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
        if (id) ids.add(id);
      } catch {
        // closed meanwhile
      }
    }
  }
  return ids;
}

/**
 * Our programs that no live process holds: what a daemon that exited left behind. Programs another
 * daemon on the same host holds (a second test run, another checkout's) are not leftovers.
 */
export function leftPrograms(): string[] {
  const held = heldProgramIds();
  return ourPrograms().filter((l) => !held.has(l.split(':')[0] as string));
}

/** Links of the programs that no live process holds. */
export function ourLinks(): string[] {
  const out = spawnSync('bpftool', ['link', 'show'], { encoding: 'utf8' }).stdout;
  const ids = new Set(leftPrograms().map((l) => l.split(':')[0]));
  return out.split('\n').filter((l) => [...ids].some((id) => new RegExp(`prog ${id}\\b`).test(l)));
}
