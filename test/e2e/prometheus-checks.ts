// What the host's Prometheus sees at the guest suite's two checkpoints: after the daemon is ready
// and before any workload ("quiet"), and after the workloads with their long walks ("loaded").
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
