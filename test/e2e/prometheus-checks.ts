// What the host's Prometheus sees at the guest suite's two checkpoints: after the daemon is ready
// and before any workload ("quiet"), and after the workloads with their long walks ("loaded").
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dashboardQueries, instanceVariableMetric } from '../dashboards/queries.js';
import { sleep } from '../../harness/daemon.js';
import { JOB, type AlertRule, type Prometheus } from './prometheus.js';

export const NEAR_LOCKUP_ALERT = 'FsnotifyNearSoftLockup';
/** successful scrapes of the daemon so far */
const SCRAPES = `sum_over_time(up{job="${JOB}"}[30m])`;

export interface RuleState {
  name: string;
  state: string;
  health: string;
  lastError?: string;
}

export interface QuietObservation {
  scrapes: number;
  rules: RuleState[];
}

export interface QueryResult {
  panel: string;
  expr: string;
  series: number;
  values: Array<{ labels: Record<string, string>; value: number }>;
}

export interface LoadedObservation {
  scrapes: number;
  nearLockup: AlertRule | undefined;
  secondsToFiring: number;
  rules: RuleState[];
  queries: QueryResult[];
  instances: string[];
}

const states = (rules: AlertRule[]): RuleState[] => rules.map((r) => ({ name: r.name, state: r.state, health: r.health, lastError: r.lastError }));

export async function observeQuiet(p: Prometheus): Promise<QuietObservation> {
  // ten good scrapes, then two more rule evaluations on them
  const scrapes = (await p.waitFor(SCRAPES, (v) => v >= 10, 90_000)) ?? 0;
  await sleep(2500);
  return { scrapes, rules: states(await p.alertRules()) };
}

export async function observeLoaded(p: Prometheus): Promise<LoadedObservation> {
  // the last workload's scrape is in, then the alert gets its evaluations (it has no `for:`)
  const t0 = Date.now();
  let rules = await p.alertRules();
  let nearLockup = rules.find((r) => r.name === NEAR_LOCKUP_ALERT);
  while (nearLockup?.state !== 'firing' && Date.now() - t0 < 30_000) {
    await sleep(500);
    rules = await p.alertRules();
    nearLockup = rules.find((r) => r.name === NEAR_LOCKUP_ALERT);
  }
  const secondsToFiring = (Date.now() - t0) / 1000;
  await sleep(2000);
  // the whole guest run fits in the window: every panel sees every workload
  const queries: QueryResult[] = [];
  for (const q of dashboardQueries('30m')) {
    const samples = await p.query(q.expr);
    queries.push({ ...q, series: samples.length, values: samples.slice(0, 20).map((s) => ({ labels: s.metric, value: Number(s.value[1]) })) });
  }
  return {
    scrapes: (await p.query(SCRAPES).then((s) => Number(s[0]?.value[1] ?? 0))),
    nearLockup,
    secondsToFiring,
    rules: states(rules),
    queries,
    instances: await p.labelValues('instance', instanceVariableMetric()),
  };
}

export const FLOOD_ALERT = 'FsnotifyNegativeDentryFlood';

export interface FloodObservation {
  /** the rule as the live server evaluates it: healthy, and pending or firing only with a long enough flood */
  rule: RuleState | undefined;
  /** negative dentries created in the directory, as Prometheus last scraped them */
  created: number;
  /** the alert's own expression over `window` for that directory (new negative dentries an hour); undefined: under the line */
  perHour: number | undefined;
  /** the series' labels, to check device, inode and path against the API's */
  labels: Record<string, string> | undefined;
  /** runs of the creators programs the kernel skipped since `missesBefore` (counted: a created dentry is in `created` or here) */
  missed: number;
}

/** The alert's expression from the shipped rule file, its [30m] swapped for `window`. */
export function floodExpr(window: string): string {
  const groups = (parse(readFileSync('rules/fsnotify-alerts.yml', 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }).groups;
  const expr = groups.flatMap((g) => g.rules).find((r) => r.alert === FLOOD_ALERT)?.expr;
  if (!expr?.includes('[30m]')) throw new Error(`${FLOOD_ALERT}: no [30m] window in its expression`);
  return expr.replace('[30m]', `[${window}]`);
}

/**
 * The creators programs' skipped runs, from a scrape taken after this call: on a preemptible
 * kernel their kprobes miss where a preempted bpf() syscall holds bpf_prog_active
 * (docs/benchmark-findings.md), and each miss is counted.
 */
export async function creatorMissesNow(p: Prometheus): Promise<number> {
  const since = Date.now() / 1000;
  // a 1 s scrape interval: a sample newer than the call comes within seconds; a stale one would
  // read misses from before the step (or, after it, creations from its middle)
  const at = await p.waitFor(`max(timestamp(up{job="${JOB}"}))`, (t) => t > since, 30_000);
  if (at === undefined || at <= since) throw new Error(`no scrape of ${JOB} within 30 s`);
  const s = await p.query(`sum(fsnotify_exporter_bpf_program_misses_total{job="${JOB}",program=~"creators_.*"})`);
  return s[0] ? Number(s[0].value[1]) : 0;
}

/**
 * After a flood workload in the guest: the creations of `path` reached Prometheus with their labels,
 * and the alert's expression, over a window a guest run fills (the rule's 30 minutes need 500k
 * creations in a fresh series, and its `for: 10m` outlasts a run), puts the directory over the line.
 */
export async function observeFlood(p: Prometheus, path: string, window = '1m', missesBefore = 0): Promise<FloodObservation> {
  const created = `sum(fsnotify_directory_dentry_creations_total{job="${JOB}",kind="negative",path="${path}"})`;
  const missed = (await creatorMissesNow(p)) - missesBefore;
  const n = (await p.waitFor(created, (v) => v > 0, 30_000)) ?? 0;
  const expr = floodExpr(window);
  const deadline = Date.now() + 30_000;
  let hit: { labels: Record<string, string>; value: number } | undefined;
  while (!hit && Date.now() < deadline) {
    const s = (await p.query(expr).catch(() => [])).find((v) => v.metric.path === path);
    if (s) hit = { labels: s.metric, value: Number(s.value[1]) };
    else await sleep(500);
  }
  const rule = (await p.alertRules()).find((r) => r.name === FLOOD_ALERT);
  return { rule: rule && states([rule])[0], created: n, perHour: hit?.value, labels: hit?.labels, missed };
}
