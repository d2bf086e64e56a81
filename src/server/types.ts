// What the server shows; the collectors fill these in. The server knows nothing about BPF.

export type { SlowWalk } from '../collect/slow-walks.js';
import type { SlowWalk } from '../collect/slow-walks.js';
import type { DirectoryDiagnosis } from '../diagnosis/model.js';
export type { DirectoryDiagnosis } from '../diagnosis/model.js';

/** Slow-walk events, newest first. */
export interface SlowWalkSource {
  list(limit: number): SlowWalk[];
}

/** The diagnosis of the top-K directories and the filling ones (src/diagnosis/assemble.ts), newest data. */
export interface DirectorySource {
  list(): DirectoryDiagnosis[];
}

export interface Readiness {
  ready: boolean;
  /** why not ready; empty when ready */
  reasons: string[];
  /** features off or reduced on this kernel, with why (ready or not) */
  degraded?: string[];
}

export interface ProbeLine {
  probe: string;
  mechanism: string;
  attached: boolean;
  target: string;
  error?: string;
  note?: string;
}

/** What the landing page shows. */
export interface LandingInfo {
  version: string;
  kernel: string;
  walkFunction: string;
  lockWaitMechanism: string;
  probes: ProbeLine[];
}
