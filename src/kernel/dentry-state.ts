// /proc/sys/fs/dentry-state: nr_dentry nr_unused age_limit want_pages nr_negative dummy.
// nr_negative exists since 5.0; older kernels print 0 there, so it is reported only when the
// file has the field.
import { readFileSync } from 'node:fs';

export interface DentryState {
  total: number;
  unused: number;
  negative?: number;
}

export function parseDentryState(text: string): DentryState {
  const f = text.trim().split(/\s+/).map(Number);
  if (f.length < 2 || f.some((n) => !Number.isFinite(n))) throw new Error(`unexpected dentry-state: ${text.trim()}`);
  const state: DentryState = { total: f[0] as number, unused: f[1] as number };
  if (f.length >= 5) state.negative = f[4] as number;
  return state;
}

export function readDentryState(path = '/proc/sys/fs/dentry-state'): DentryState | undefined {
  try {
    return parseDentryState(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
