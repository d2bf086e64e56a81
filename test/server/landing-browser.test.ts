// The landing page's diagnosis in a real headless Chromium (Debian's, never a downloaded one):
// the real server with a real exposition, a realistic case, the visible text checked and a
// screenshot written to docs/img/landing-diagnosis.png; hostile names stay text.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import type { CollectorContext } from '../../src/collect/collector.js';
import { dentryCreations } from '../../src/collect/collectors/dentry-creations.js';
import { directoryWatchers } from '../../src/collect/collectors/directory-watchers.js';
import { Exposition } from '../../src/collect/exposition.js';
import { registerCollectors } from '../../src/collect/registry.js';
import { assembleDiagnosis, directoryCounts } from '../../src/diagnosis/assemble.js';
import type { DirectoryDiagnosis } from '../../src/diagnosis/model.js';
import type { SlowWalk } from '../../src/server/types.js';
import { sources } from '../diagnosis/fixture.js';
import { startServer, type Started } from './start.js';

const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT = 'docs/img/landing-diagnosis.png';
const LIMITS = { directories: 20, perList: 10, paths: true };

const SLOW_WALKS: SlowWalk[] = [
  { time: '2026-11-30T09:41:07.512Z', pid: 2231, tgid: 2231, comm: 'syncthing', cgroup_id: '4411', trigger: 'watch_change', syscall: 'inotify_add_watch', device: '8:1', inode: '1310721', path: '/var/lib/app/cache', duration_seconds: 1.137, children: { positive: 1204, negative: 4213377, truncated: false }, concurrent_walkers: 1, lock_wait_seconds: { i_lock: 0, d_lock: 0.0021 } },
  { time: '2026-11-30T09:40:51.003Z', pid: 61877, tgid: 61877, comm: 'inotifywait', cgroup_id: '4502', trigger: 'watch_change', syscall: 'inotify_rm_watch', device: '8:1', inode: '1310721', path: '/var/lib/app/cache', duration_seconds: 0.986, children: { positive: 1204, negative: 4190012, truncated: false }, concurrent_walkers: 1, lock_wait_seconds: { i_lock: 0, d_lock: 0.0013 } },
];

const PROBES = [
  { probe: 'walk_entry', mechanism: 'fentry', attached: true, target: 'fsnotify_set_children_dentry_flags', note: 'bpf_loop child scan' },
  { probe: 'walk_exit', mechanism: 'fexit', attached: true, target: 'fsnotify_set_children_dentry_flags' },
  { probe: 'lock_wait_entry', mechanism: 'kprobe', attached: true, target: 'native_queued_spin_lock_slowpath' },
  { probe: 'watch_inotify_add', mechanism: 'fentry', attached: true, target: '__x64_sys_inotify_add_watch' },
];

const dirs: string[] = [];
const servers: Started[] = [];
const contexts: BrowserContext[] = [];
after(async () => {
  for (const c of contexts) await c.close();
  for (const s of servers) await s.app.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function browser(): Promise<BrowserContext> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install chromium (bash scripts/deps.sh test)`);
  const profile = mkdtempSync(join(tmpdir(), 'landing-chromium-'));
  dirs.push(profile);
  // launchPersistentContext is how Playwright takes a --user-data-dir: a fresh one per run
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  contexts.push(context);
  return context;
}

async function serve(list: () => DirectoryDiagnosis[]): Promise<Started> {
  const exposition = new Exposition();
  const ctx = { pathLabels: true, directoryCounts: () => directoryCounts(sources(), LIMITS) } as unknown as CollectorContext;
  registerCollectors(exposition, ctx, [directoryWatchers, dentryCreations]);
  const s = await startServer({
    registry: exposition,
    directories: { list },
    slowWalks: { list: (n) => SLOW_WALKS.slice(0, n) },
    landingInfo: () => ({ version: '0.1.0', kernel: '6.1.0-27-amd64', walkFunction: 'fsnotify_set_children_dentry_flags', lockWaitMechanism: 'qspinlock_slowpath', probes: PROBES }),
  });
  servers.push(s);
  return s;
}

test('the diagnosis as Chromium shows it: children, creators, watchers, churn, stalled, slow walks; screenshot in docs/img', async () => {
  const { url } = await serve(() => assembleDiagnosis(sources(), LIMITS));
  const page = await (await browser()).newPage();
  const r = await page.goto(`${url}/`);
  assert.equal(r?.status(), 200);
  const text = await page.locator('body').innerText();
  for (const visible of [
    '/var/lib/app/cache',
    '4,213,377 negative and 1,204 positive children at the last scan',
    '37 walks, 18.4 s walking',
    '3,982,618 negative',
    'cache-janitor[48213]',
    `pod ${'1c3a9e2b-5f4d-4b8e-9a7c-2d6f0e8b1a3c'}`,
    'container a3f9c2e17b4d',
    'python3[991]',
    'backup.service',
    'falcon-sensor',
    '0x1000003b',
    'inotifywait',
    'api-gateway.service',
    '/home/ci/.cache/pip/http',
    'not walked yet',
    '1.1 s',
    '2026-11-30 09:41:07Z',
    '0 / 2.1 ms',
  ])
    assert.ok(text.includes(visible), `not visible: ${visible}`);
  // the watcher's pid in its own cell of the cache directory's watchers table
  const cache = page.locator('section.dir', { hasText: '/var/lib/app/cache' });
  const watchers = cache.locator('table', { hasText: 'Who watches it' });
  assert.deepEqual(await watchers.locator('tr').nth(1).locator('td').allInnerTexts().then((t) => t.slice(0, 3)), ['2231', 'syncthing', 'inotify']);
  assert.equal(await cache.locator('table', { hasText: 'Who creates' }).locator('tr').nth(1).locator('td').first().innerText(), '3,981,207');
  // the pip directory is listed after the walked ones
  const order = await page.locator('section.dir h3 code').allInnerTexts();
  assert.deepEqual(order, ['/var/lib/app/cache', '/etc/systemd/system', '/home/ci/.cache/pip/http']);
  assert.ok(!text.includes('creator probes off'), 'creators are on: a directory without creations says none seen');
  // the same server's /metrics carries the watchers gauge for that directory
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^fsnotify_directory_watchers\{device="8:1",inode="1310721",path="\/var\/lib\/app\/cache",api="fanotify"\} 1$/m);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(existsSync(SCREENSHOT));
});

test('hostile names from /proc stay text in a real browser: no markup, no script run', async () => {
  const [one] = assembleDiagnosis(sources(), LIMITS);
  const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const hostile: DirectoryDiagnosis = {
    ...one!,
    path: `/tmp/${evil}`,
    negative_creators: [{ ...one!.negative_creators[0]!, comm: `"><b id=inj>${evil}` }],
    watchers: [{ ...one!.watchers[0]!, comm: evil, cgroup: `/x"onmouseover="window.pwned=3` }],
  };
  const { url } = await serve(() => [hostile]);
  const page = await (await browser()).newPage();
  await page.goto(`${url}/`);
  await page.locator('section.dir td span[title]').first().hover();
  assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  assert.equal(await page.locator('#inj, section.dir img, section.dir script').count(), 0);
  const text = await page.locator('body').innerText();
  assert.ok(text.includes(`/tmp/${evil}`), 'the path shows as text');
  assert.ok(text.includes(`"><b id=inj>`), 'the comm shows as text');
});
