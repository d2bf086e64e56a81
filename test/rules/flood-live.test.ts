// FsnotifyNegativeDentryFlood, live: a real Prometheus (loopback) scrapes the real server, whose
// creations counter grows by 100,000 negative dentries a second in one directory, and evaluates the
// shipped rules. The rule matches that directory alone (pending: its `for: 10m` outlasts a test),
// and the e2e check (test/e2e/prometheus-checks.ts observeFlood) reads it as the guests will.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../../harness/daemon.js';
import type { CollectorContext } from '../../src/collect/collector.js';
import { dentryCreations } from '../../src/collect/collectors/dentry-creations.js';
import { directoryWatchers } from '../../src/collect/collectors/directory-watchers.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { directoryCounts } from '../../src/diagnosis/assemble.js';
import { CACHE, creatorSource, sources } from '../diagnosis/fixture.js';
import { FLOOD_ALERT, observeFlood } from '../e2e/prometheus-checks.js';
import { Prometheus } from '../e2e/prometheus.js';
import { startServer, type Started } from '../server/start.js';

const PER_SECOND = 100_000;
const t0 = Date.now();
let server: Started | undefined;
let prom: Prometheus | undefined;

before(async () => {
  const creators = creatorSource();
  // the cache directory floods; the others' counters stand still
  const creations = (d: typeof CACHE) => (d.ino === CACHE.ino ? { positive: 3, negative: 7 + Math.floor(((Date.now() - t0) / 1000) * PER_SECOND) } : creators.creations(d));
  const s = sources({ creators: { ...creators, creations } });
  const exposition = new Exposition();
  registerCollectors(exposition, { pathLabels: true, directoryCounts: () => directoryCounts(s, { directories: 20, perList: 10, paths: true }) } as unknown as CollectorContext, [
    directoryWatchers,
    dentryCreations,
  ]);
  server = await startServer({ registry: exposition });
  prom = await Prometheus.start(await freePort(), server.port, ['rules/fsnotify-alerts.yml']);
});

after(async () => {
  prom?.stop();
  await server?.app.close();
});

test(`${FLOOD_ALERT} in a live Prometheus: the flooding directory alone, pending, healthy`, async () => {
  const p = prom as Prometheus;
  const seen = await observeFlood(p, '/var/lib/app/cache', '15s');
  assert.ok(seen.created > PER_SECOND, `created ${seen.created}`);
  assert.ok((seen.perHour ?? 0) > 1e6, `per hour ${seen.perHour}: under the line`);
  assert.equal(seen.labels?.device, '8:1');
  assert.equal(seen.labels?.inode, '1310721');
  // the shipped 30m expression crosses the line after 500k creations: then the rule is pending
  let rule = seen.rule;
  for (let i = 0; i < 40 && rule?.state !== 'pending'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    rule = (await p.alertRules()).find((r) => r.name === FLOOD_ALERT);
  }
  assert.equal(rule?.health, 'ok', rule?.lastError);
  assert.equal(rule?.state, 'pending');
  const alerts = (await p.alertRules()).find((r) => r.name === FLOOD_ALERT)?.alerts ?? [];
  assert.deepEqual(alerts.map((a) => a.labels.path), ['/var/lib/app/cache'], 'the pip cache grows at no rate here, /etc/systemd/system not at all');
  assert.equal(p.errors().trim(), '');
});
