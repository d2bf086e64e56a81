// The dashboard's PromQL, with Grafana's variables replaced by values Prometheus accepts.
import { readFileSync } from 'node:fs';

export interface DashboardQuery {
  panel: string;
  expr: string;
}

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

export const dashboard = (file = 'dashboards/fsnotify-exporter.json'): Dashboard => JSON.parse(readFileSync(file, 'utf8')) as Dashboard;

/** `window` stands in for $__rate_interval and $__interval; `instance` (and the fleet's `job`) is a regex. */
export function dashboardQueries(window = '1m', instance = '.+', file?: string): DashboardQuery[] {
  return dashboard(file).panels.flatMap((p) =>
    p.targets.map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$__rate_interval', window).replaceAll('$__interval', window).replaceAll('$instance', instance).replaceAll('$job', instance),
    })),
  );
}

/** The metric that the instance variable's label_values() reads. */
export function instanceVariableMetric(): string {
  const def = dashboard().templating.list.find((v) => v.name === 'instance')?.definition ?? '';
  const m = /label_values\((\w+),\s*instance\)/.exec(def);
  if (!m) throw new Error(`unexpected instance variable: ${def}`);
  return m[1] as string;
}
