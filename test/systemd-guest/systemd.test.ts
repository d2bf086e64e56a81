// The package on real Debian hosts with systemd as PID 1 (npm run test:systemd; docs/packaging.md):
// install with dpkg on a host without Node, enable, probes attached under the unit's hardening,
// journal, scrape, restart/stop/kill -9 leave nothing of ours, live exposure score, purge.
// SYSTEMD_SUITES=bookworm,bullseye,bookworm:arm64 picks the Debian releases and architectures
// (default bookworm, amd64; arm64 needs bash scripts/deps.sh systemd-arm64).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { SCORE_CEILING } from '../systemd/exposure.js';
import { packagePath, type Report, runChecks } from './guest.js';

const SUITES = (process.env.SYSTEMD_SUITES ?? 'bookworm').split(',');
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const NOTHING = 'progs=none links=0 kprobe_events=0';

for (const entry of SUITES) {
  const [suite, debarch = 'amd64'] = entry.split(':') as [string, ('amd64' | 'arm64')?];
  describe(`Debian ${suite} ${debarch}, systemd as PID 1`, () => {
    let report: Report = new Map();
    const one = (key: string) => report.get(key)?.[0] ?? '';
    const ids = (key: string) => (one(key) === 'none' ? [] : one(key).split(','));

    before(async () => {
      const r = await runChecks(suite, debarch, packagePath(debarch), (l) => process.stderr.write(`  ${entry} | ${l}\n`));
      report = r.report;
      assert.equal(r.status, 0, `the guest's checks exited ${r.status}`);
      const numbers = ['package_bytes', 'installed_kb', 'install_ms', 'serving_ms', 'ready_ms', 'rss_kb', 'memory_current', 'restart_ready_ms', 'kill9_ready_ms', 'purge_ms'];
      process.stderr.write(`  ${entry} | numbers: ${numbers.map((k) => `${k}=${one(k)}`).join(' ')} boot=${r.bootSeconds}s guest=${(r.durationMs / 1000).toFixed(0)}s\n`);
    });

    test('dpkg -i on a host without Node: installed, nothing enabled or started', () => {
      assert.equal(one('host_node'), 'none');
      assert.equal(one('install_rc'), '0');
      assert.equal(one('enabled_after_install'), 'disabled');
      assert.equal(one('active_after_install'), 'inactive');
      const [exporter, node, libbpf] = report.get('version') ?? [];
      assert.equal(exporter, `fsnotify-exporter ${version}`);
      assert.match(node ?? '', /^node 20\./);
      assert.match(libbpf ?? '', /^libbpf 1\.\d+ /);
      // a host's own libbpf 0.x (Debian 11's libbpf0) is never the one loaded
      if (suite === 'bullseye') assert.match(one('host_libbpf'), /libbpf\.so\.0/, 'the bullseye image has libbpf0 installed');
    });

    test('systemctl enable --now: serving, walk probes attached under the hardening, logs in the journal', () => {
      assert.equal(one('active'), 'active');
      assert.match(one('ready_ms'), /^\d+$/, 'never ready');
      const attached = (report.get('metric') ?? []).find((l) => l.startsWith('fsnotify_exporter_probe_attached{probe="walk_entry"'));
      assert.match(attached ?? '', / 1$/, `walk_entry: ${attached}`);
      assert.match(one('libbpf_mapped'), /libbpf\.so\.1/);
      assert.doesNotMatch(one('libbpf_mapped'), /libbpf\.so\.0/);
      assert.match(one('journal_ready'), /fsnotify-exporter ready/);
      assert.deepEqual(report.get('journal_error') ?? [], []);
      assert.ok((report.get('metric') ?? []).some((l) => /^fsnotify_walks_total\{trigger="watch_change"\} [1-9]/.test(l)), 'no walk counted');
    });

    test('without fentry, /readyz and the journal name perf_event_paranoid; docs/packaging.md\'s sysctl makes the probes attach', () => {
      const refused = report.get('paranoid_refused');
      // x86-64 attaches fentry, no perf_event_open; arm64 6.1 has no fentry, so kprobes
      if (debarch === 'amd64') return assert.equal(refused, undefined, `refused on amd64: ${refused}`);
      assert.match(refused?.[0] ?? '', /perf_event_paranoid=3 needs CAP_SYS_ADMIN/);
      assert.match(one('paranoid_journal'), /^[1-9]/, 'the refusal is not in the journal');
    });

    test(`systemd-analyze security on the live unit stays at or below ${SCORE_CEILING}`, () => {
      assert.ok(Number(one('security')) > 0 && Number(one('security')) <= SCORE_CEILING, `exposure ${one('security')}`);
    });

    test('restart and kill -9: a new instance, the old one gone from the kernel; Restart=on-failure', () => {
      const [before, after] = [ids('progs_before_restart'), ids('progs_after_restart')];
      assert.ok(before.length > 0 && after.length === before.length, `${before} → ${after}`);
      assert.deepEqual(after.filter((id) => before.includes(id)), []);
      assert.match(one('restart_ready_ms'), /^\d+$/);
      assert.match(one('kill9_new_pid'), /^[1-9]\d*$/);
      assert.match(one('kill9_ready_ms'), /^\d+$/);
      const [killed, back] = [ids('progs_before_kill9'), ids('progs_after_kill9')];
      assert.ok(back.length === killed.length, `${killed} → ${back}`);
      assert.deepEqual(back.filter((id) => killed.includes(id)), []);
    });

    test('systemctl stop leaves no program, link or kprobe of ours', () => {
      assert.equal(one('active_after_stop'), 'inactive');
      assert.equal(one('leftovers_stopped'), NOTHING);
    });

    test('dpkg --purge removes everything', () => {
      assert.equal(one('purge_rc'), '0');
      assert.equal(one('unit_after_purge'), 'gone');
      assert.equal(one('purge_leftover_files'), 'none');
      assert.equal(one('leftovers_purged'), NOTHING);
    });
  });
}
