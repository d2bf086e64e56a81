// bcrypt compares on one worker thread: each costs tens of ms by design, and on the main thread a
// flood of wrong passwords stalls every scrape (bcryptjs's async API runs on the main thread too).
// One thread for the process; at most MAX_PENDING compares wait, beyond that the caller is told
// to refuse the request rather than queue it.
import type { Worker } from 'node:worker_threads';
import type { CompareRequest } from './bcrypt-thread.js';
import { workerThreads } from './lazy.js';

export const MAX_PENDING_COMPARES = 64;

export class BcryptBusy extends Error {
  constructor() {
    super(`${MAX_PENDING_COMPARES} bcrypt compares already waiting`);
    this.name = 'BcryptBusy';
  }
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (ok: boolean) => void; reject: (e: Error) => void }>();

function thread(): Worker {
  if (worker) return worker;
  const w = new (workerThreads().Worker)(new URL('./bcrypt-thread.js', import.meta.url));
  w.unref(); // never what keeps the process alive
  w.on('message', (m: { id: number; ok: boolean }) => {
    pending.get(m.id)?.resolve(m.ok);
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
  });
  const fail = (e: Error) => {
    worker = undefined;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`bcrypt worker exited (${code})`)));
  worker = w;
  return w;
}

/** Whether `password` matches the bcrypt `hash`, computed off the main thread. Throws BcryptBusy. */
export function compareInWorker(password: string, hash: string): Promise<boolean> {
  if (pending.size >= MAX_PENDING_COMPARES) return Promise.reject(new BcryptBusy());
  const w = thread();
  const id = nextId++;
  return new Promise<boolean>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // a compare in flight keeps the process up until it answers
    w.postMessage({ id, password, hash } satisfies CompareRequest);
  });
}
