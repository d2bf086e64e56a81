// The bcrypt worker thread (bcrypt-worker.ts): one compareSync per message, off the main thread.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

export interface CompareRequest {
  id: number;
  password: string;
  hash: string;
}

parentPort?.on('message', (m: CompareRequest) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    // a malformed hash never matches; the web config check refuses those at startup anyway
  }
  parentPort?.postMessage({ id: m.id, ok });
});
