// The fleet contract, live: one real Prometheus (loopback) scraping two real daemons on this host
// evaluates rules/fsnotify-fleet.yml, and every query of dashboards/fsnotify-fleet.json returns
// series. This host's kernel has no walk probes: both hosts are "probes not attached", walk time
// is 0, and the per-directory rule (which needs a walk) stays empty, as its promtool case expects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dashboardQueries } from '../dashboards/queries.js';
import { freePort, startDaemon, type Daemon } from '../../harness/daemon.js';
import { Prometheus } from '../e2e/prometheus.js';

const NEEDS_A_WALK = 'instance:fsnotify_worst_directory_walk_seconds:rate5m';
let daemons: Daemon[] = [];
let prom: Prometheus | undefined;

before(async () => {
  daemons = [await startDaemon(), await startDaemon()];
  prom = await Prometheus.start(await freePort(), daemons.map((d) => d.port), ['rules/fsnotify-fleet.yml']);
});

after(async () => {
  prom?.stop();
  for (const d of daemons) d.child.kill('SIGTERM');
  await Promise.all(daemons.map((d) => d.exited));
});

test('every fleet dashboard query returns series for both hosts (the directory table needs a walk)', async () => {
  const p = prom as Prometheus;
  const instances = daemons.map((d) => `127.0.0.1:${d.port}`).sort();
  await p.waitFor('count(instance:fsnotify_walk_seconds:rate5m)', (v) => v === 2, 30_000);
  for (const { panel, expr } of dashboardQueries('1m', '.+', 'dashboards/fsnotify-fleet.json')) {
    const series = await p.query(expr);
    if (expr.includes(NEEDS_A_WALK)) {
      assert.deepEqual(series, [], `${panel}: no walk on this kernel, yet ${JSON.stringify(series)}`);
      continue;
    }
    assert.ok(series.length > 0, `${panel}: ${expr} returned nothing`);
    const hosts = [...new Set(series.map((s) => s.metric.instance).filter(Boolean))].sort();
    if (hosts.length) assert.deepEqual(hosts, instances, `${panel}: ${expr}`);
  }
  assert.deepEqual((await p.query('job:fsnotify_hosts_walk_probes_unattached:count')).map((s) => s.value[1]), ['2']);
  assert.equal(p.errors().trim(), '');
});
