// What the guest programs write to $VM_OUT/results.json and the host tests read: one type for both
// sides, so a field renamed or retyped in one fails to compile in the other.

import type { Leftovers } from '../../harness/guest-kit.js';
import type { SoakResults } from '../soak/soak-results.js';
import type { VerifierStat } from '../../harness/verifier-stats.js';
import type { RootCauseResults, StallResults } from './root-cause-check.js';

/** guest-suite.ts → e2e.test.ts */
export interface SuiteResults {
  kernel: string;
  /** fsload.py's reports, by workload */
  steps: Record<string, unknown>;
  /** kernels without bpf_loop: each bounded walk program loaded alone, with the verifier's statistics */
  verifier?: VerifierStat[];
  ready: boolean;
  readySeconds: number;
  error?: string;
  m0: string;
  m1: string;
  m1b: string;
  m2a: string;
  m2: string;
  bpftrace: number[];
  scaling: Array<{ n: number; dir: string; before: string; mid: string; after: string }>;
  contention: { dir: string; before: string; after: string };
  /** issue 16: creators and churn, and the contention workload's lookups in a cgroup of their own */
  rootCause: RootCauseResults;
  stall: StallResults & { dir: string };
  herd: { before: string; after: string; rounds: number };
  topK: { before: string; after: string };
  /** the BPF object's walks_running, sampled three times after every workload (-1: not found) */
  walksRunning: number[];
  manyDirs: { before: string; after: string; bpftrace: number[] };
  slowWalks: { events: Array<Record<string, unknown>> };
  daemonLog: string;
  sigtermExit: number | null;
  afterSigterm: Leftovers;
  restartReady: boolean;
  whileRunning: Leftovers;
  sigkillExit: number | null;
  afterSigkill: Leftovers;
  restartAfterKillReady: boolean;
  storm: {
    toggles: { pairs: number; seconds: number };
    newDirs: { count: number; seconds: number };
    before: string;
    afterStall: string;
    listed: number;
    afterNewDirs: string;
    readyz: number;
  };
  unitCaps: {
    caps: string[];
    ready: boolean;
    status: Record<string, string>;
    before: string;
    after: string;
    /** /api/v1/directories under --no-path-labels --no-cgroup-labels */
    directories: unknown[];
    readyAfterHup: number;
    sigintExit: number | null;
    log: string;
    afterSigint: Leftovers;
    short: Array<{ missing: string; status: number | null; stderr: string; leftovers: Leftovers }>;
  };
  seconds: number;
  /** the short soak (test/soak/) at the end of the oldfsnotify guest */
  soak?: SoakResults;
}

/** arm64-guest.ts → arm64.test.ts */
export interface Arm64Results {
  kernel: string;
  arch: string;
  node: string;
  /** negative dentries created before the watch add */
  n: number;
  error?: string;
  /** how the daemon had ended when a step after its start failed */
  daemonAtFailure?: { exitCode: number | null; signal: string | null; tail: string; procState: string; tcp: string[]; dmesg?: string[] };
  walkFunction?: string;
  programs: Array<{ name: string; section: string; loaded: boolean; error?: string }>;
  check: { status: number | null; stdout: string; stderr: string };
  ready: boolean;
  daemonLog: string;
  whileRunning: Leftovers;
  m0: string;
  m1: string;
  watch: { wd: number };
  /** the BPF object's walks_running after the watch add's walk; -1 if not found */
  walksRunning: number;
  sigtermExit: number | null;
  afterSigterm: Leftovers;
  timings: Record<string, number>;
  retries: Array<{ step: string; status: number | null; signal: string | null; tail: string }>;
  seconds: number;
}
