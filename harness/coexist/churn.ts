// The coexistence runs' workload: watch-churn.py (inotify add+remove pairs on the big directory,
// each add one walk) as a child process that counts its own pairs, and waiting for processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRATCH, sleep } from '../guest-kit.js';

const CHURN = 'harness/coexist/watch-churn.py';

export interface Churn {
  child: ChildProcess;
  /** add+remove pairs completed so far */
  adds: () => number;
  /** ask it to stop; its final totals */
  stop: () => Promise<{ adds: number; removes: number }>;
}

export function startChurn(dir: string, o: { stopFile?: string; pauseSeconds?: number } = {}): Churn {
  const stopFile = o.stopFile ?? join(SCRATCH, 'churn-stop');
  rmSync(stopFile, { force: true });
  const child = spawn('python3', [CHURN, dir, stopFile, ...(o.pauseSeconds ? [String(o.pauseSeconds)] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  // only the last line is kept: thousands of "add <n>" lines come in a fast cycle
  let last = '';
  let partial = '';
  let count = 0;
  child.stdout?.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() as string;
    for (const l of lines) {
      const m = /^add (\d+)$/.exec(l);
      if (m) count = Number(m[1]);
      else if (l.trim()) last = l;
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const adds = () => count;
  return {
    child,
    adds,
    stop: async () => {
      writeFileSync(stopFile, '');
      await exited;
      return JSON.parse(last || partial) as { adds: number; removes: number };
    },
  };
}

/** Waits until the churn has completed `n` more pairs (each one a walk of the big directory). */
export async function moreAdds(churn: Churn, n: number, seconds: number): Promise<boolean> {
  const target = churn.adds() + n;
  for (let i = 0; i < seconds * 10; i++) {
    if (churn.adds() >= target) return true;
    await sleep(100);
  }
  return false;
}

export function waitExit(child: ChildProcess, seconds: number): Promise<{ code: number | null; signal: string | null } | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), seconds * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

