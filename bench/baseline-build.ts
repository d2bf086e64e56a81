// The build the steady goal compares against, checked out and built beside this one: "no worse than
// before" is only measurable side by side, since this shared host's speed moved 1.8-2.4x between
// nights (docs/benchmark-findings.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CACHE } from '../harness/guest/kernels.js';

/** The pre-issue-18 build: its run of 2026-11-30T01:10 set the steady rows' "before". */
export const BASELINE_COMMIT = 'dc3a772';

/** A built checkout of `commit`, or why there is none. */
export type BaselineBuild = { commit: string; dir: string } | { commit: string; error: string };

const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `commit` exported from this clone's history into .cache/, its dependencies installed and built by its own build script; reused once built. */
export function baselineBuild(commit = BASELINE_COMMIT, log: (m: string) => void = () => undefined): BaselineBuild {
  const rev = run('git', ['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], process.cwd());
  if (rev.status !== 0) return { commit, error: `this clone has no commit ${commit} (a shallow clone?): fetch its history (git fetch --unshallow) to compare against it` };
  const sha = rev.stdout.trim();
  // a name (HEAD, a branch) is shown with the commit it named
  const named = sha.startsWith(commit) ? commit : `${commit} (${sha.slice(0, 7)})`;
  const dir = resolve(CACHE, '..', `baseline-${sha.slice(0, 12)}`);
  const stamp = join(dir, '.built');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sha) return { commit: named, dir };
  log(`baseline ${named}: exporting and building in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // git archive, not a worktree: nothing to prune in .git when .cache goes
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`]);
  // the build's own build script: tsc alone at dc3a772, tsc and the bundle since
  for (const [cmd, args] of [['npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']], ['npm', ['run', 'build', '--silent']]] as const) {
    const r = run(cmd, [...args], dir);
    if (r.status !== 0) return { commit: named, error: `${cmd} ${args.join(' ')} failed in ${dir}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}` };
  }
  writeFileSync(stamp, sha);
  return { commit: named, dir };
}
