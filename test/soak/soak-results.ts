// What the soak's guest run writes ($VM_OUT/soak.json) and the host checks (soak-check.ts).
import type { Leftovers } from '../../harness/guest-kit.js';

/** One daemon lifetime's exact window: from a snapshot after it was ready to one before it was killed. */
export interface SoakWindow {
  lifetime: number;
  from: number;
  to: number;
  daemonWalks: number;
  bpftraceWalks: number;
  parentWalks: number;
  slowWalks: number;
  eventsRead: number;
  eventsLost: number;
  /** every drop/lost/evicted/truncated series at the window's end */
  drops: Record<string, number>;
}

export interface SoakResults {
  kernel: string;
  plan: Record<string, unknown>;
  nodeFlags: string[];
  daemonArgs: string[];
  restartSeconds: number;
  /** [seconds since the start, lifetime, seconds since that daemon started, VmRSS kB], one a second */
  rss: Array<[number, number, number, number]>;
  /** errors: why each failed scrape failed (TimeoutError after 10 s, the HTTP status, or the connection error) */
  scrapes: { ok: number; failed: number; ms: number[]; errors?: string[] };
  hups: Array<{ t: number; lifetime: number; alive: boolean }>;
  exits: Array<{ lifetime: number; t: number; code: number | null; signal: string | null; intended: boolean }>;
  windows: SoakWindow[];
  leftoversAfterKill: Leftovers[];
  herdRounds: number;
  /** herd rounds killed past the soak's limit for one (a hang) */
  herdTimeouts?: number;
  sigtermExit?: number | null;
  afterSigterm?: Leftovers;
  seconds?: number;
  error?: string;
}
