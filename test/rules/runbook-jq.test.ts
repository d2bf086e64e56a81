// The runbook's curl | jq lines for FsnotifyNegativeDentryFlood, run as written against the real
// server with the realistic diagnosis: they must name the creator, the watchers and the churn.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { assembleDiagnosis } from '../../src/diagnosis/assemble.js';
import { sources } from '../diagnosis/fixture.js';
import { startServer, type Started } from '../server/start.js';

const started: Started[] = [];
after(async () => {
  for (const s of started) await s.app.close();
});

/** the ```sh blocks of one runbook section */
function shellBlocks(section: string): string[] {
  const text = readFileSync('docs/runbooks.md', 'utf8');
  const body = text.split(/^## /m).find((s) => s.startsWith(`${section}\n`));
  assert.ok(body, `no section ${section}`);
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replace(/^ {3}/gm, ''));
}

test('the FsnotifyNegativeDentryFlood runbook lines print the directory, its creator and its watchers', async () => {
  const s = await startServer({ directories: { list: () => assembleDiagnosis(sources(), { directories: 20, perList: 10, paths: true }) } });
  started.push(s);
  const blocks = shellBlocks('FsnotifyNegativeDentryFlood');
  assert.equal(blocks.length, 3);
  // async: the server answering curl runs in this process
  const run = async (script: string) =>
    (await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, H: s.url, D: '8:1', I: '1310721' } }).catch((e: Error) => {
      throw new Error(`${script}\n${e.message} (bash, curl and jq come with: bash scripts/deps.sh test)`);
    })).stdout;
  const [summary, creators, watchers] = await Promise.all(blocks.map(run));
  assert.deepEqual(JSON.parse(summary!), {
    path: '/var/lib/app/cache',
    children: { positive: 1204, negative: 4213377, truncated: false },
    dentry_creations: { positive: 1311, negative: 3982618 },
    walks: 37,
    walk_seconds: 18.4,
  });
  assert.deepEqual(creators!.replace(/\n$/, '').split('\n'), [
    '3981207\tcache-janitor[48213]\ta3f9c2e17b4d5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7\t1c3a9e2b-5f4d-4b8e-9a7c-2d6f0e8b1a3c',
    '1411\tpython3[991]\tbackup.service\t',
  ]);
  assert.deepEqual(watchers!.replace(/\n$/, '').split('\n'), [
    'watch\t2231\tsyncthing\tinotify 0xfce\tsince 2026-11-30T09:12:44.000Z\tsyncthing.service',
    'watch\t3310\tfalcon-sensor\tfanotify 0x1000003b\tsince 2026-11-30T09:13:02.000Z\tfalcon-sensor.service',
    'churn\tinotifywait\t+412 -411\t/user.slice/user-1000.slice/session-4.scope',
  ]);
});
