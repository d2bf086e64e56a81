// The systemd guest: a Debian image from rootfs.sh booted with systemd as PID 1 (vm.ts `system`),
// running checks.sh against the package; its "@@ key value" lines come back as a map.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CACHE, REPO } from '../../harness/guest/kernels.js';
import { runInVm } from '../../harness/guest/vm.js';

export type Report = Map<string, string[]>;

/** dist-pkg's .deb for this version and arch, built (npm run package) when missing. */
export function packagePath(debarch = 'amd64'): string {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const deb = join(REPO, 'dist-pkg', `fsnotify-exporter_${version}_${debarch}.deb`);
  if (!existsSync(deb)) execFileSync('bash', [join(REPO, 'packaging', 'build.sh'), debarch], { stdio: ['ignore', 'inherit', 'inherit'] });
  return deb;
}

export async function runChecks(suite: string, debarch: 'amd64' | 'arm64', deb: string, log: (line: string) => void): Promise<{ status: number; report: Report; durationMs: number; bootSeconds: number }> {
  const [kernel, initrd, disk] = execFileSync('bash', [join(REPO, 'test', 'systemd-guest', 'rootfs.sh'), join(REPO, '.cache', 'systemd-guest'), suite, debarch], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split(' ') as [string, string, string];
  const outDir = mkdtempSync(join(CACHE, `systemd-${suite}-${debarch}-`));
  copyFileSync(deb, join(outDir, basename(deb)));
  copyFileSync(join(REPO, 'test', 'systemd-guest', 'checks.sh'), join(outDir, 'checks.sh'));
  const report: Report = new Map();
  const r = await runInVm({
    kernel: suite,
    system: { name: `debian-${suite}-${debarch}-systemd`, kernel, initrd, disk, arch: debarch === 'arm64' ? 'arm64' : 'x86' },
    command: `sh ./checks.sh ./${basename(deb)}`,
    outDir,
    timeoutSec: 1800,
    onLine: (line) => {
      log(line);
      const m = /^@@ (\S+) ?(.*)$/.exec(line);
      if (m) report.set(m[1] as string, [...(report.get(m[1] as string) ?? []), m[2] as string]);
    },
  });
  return { status: r.status, report, durationMs: r.durationMs, bootSeconds: r.bootSeconds };
}
