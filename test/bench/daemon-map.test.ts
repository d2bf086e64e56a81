// The host bench writes directories into the daemon's own dir_stats. With a second daemon on the
// host (an A/B beside the bench), the newest dir_stats is that one's: the bench must still find
// the map of the daemon it scrapes, and refuse a count its LRU map would take forever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDaemon, type Daemon } from '../../harness/daemon.js';
import { closeDaemonMaps, DIR_STATS_ENTRIES, fillDirStats } from '../../bench/host-bench.js';
import { daemonMapIds } from '../../harness/daemon.js';

const directorySeries = async (d: Daemon) =>
  (await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text()).split('\n').filter((l) => l.startsWith('fsnotify_directory_walks_total{')).length;

test('fillDirStats writes the named daemon\'s map, not a later daemon\'s', async () => {
  const first = await startDaemon(['--top-directories=5', '--log.level=warn']);
  const second = await startDaemon(['--top-directories=5', '--log.level=warn']); // its maps have the higher ids
  try {
    const ids = daemonMapIds(first.child.pid as number);
    assert.ok(ids.length > 0, 'the daemon holds map fds');
    assert.equal(ids.filter((id) => daemonMapIds(second.child.pid as number).includes(id)).length, 0, 'two daemons share no map');
    fillDirStats(first.child.pid as number, 3);
    assert.equal(await directorySeries(first), 3);
    assert.equal(await directorySeries(second), 0);
  } finally {
    for (const d of [first, second]) {
      closeDaemonMaps(d.child.pid as number);
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }
});

test('fillDirStats refuses a count outside dir_stats and a pid that holds no maps', () => {
  assert.throws(() => fillDirStats(process.pid, Infinity), /Infinity directories, outside 0\.\.10240/);
  assert.throws(() => fillDirStats(process.pid, DIR_STATS_ENTRIES + 1), /outside/);
  assert.throws(() => fillDirStats(process.pid, 1), new RegExp(`pid ${process.pid} holds no map dir_stats`));
});
