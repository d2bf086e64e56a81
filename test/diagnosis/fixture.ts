// In-memory diagnosis sources with a realistic case: a cache directory a pod's janitor fills with
// millions of negative dentries, watched by a sync agent and an EDR agent, re-walked by a loop of
// one-shot inotifywait, stalling a containerised service; plus a pip cache filling unwalked.
import type { DiagnosisSources, WalkedDirectory } from '../../src/diagnosis/assemble.js';
import type { CgroupIdentity, CgroupResolver, CreatorSource, DirId, Watcher, WatcherSource } from '../../src/diagnosis/model.js';

export const dev = (major: number, minor: number) => (major << 20) | minor;
const key = (d: DirId) => `${d.dev}:${d.ino}`;

export const POD_UID = '1c3a9e2b-5f4d-4b8e-9a7c-2d6f0e8b1a3c';
export const CONTAINER_ID = 'a3f9c2e17b4d5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7';
const POD_CGROUP = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER_ID}.scope`;

export const CGROUPS = new Map<bigint, CgroupIdentity>([
  [7001n, { cgroup: POD_CGROUP, pod_uid: POD_UID, container_id: CONTAINER_ID }],
  [7002n, { cgroup: '/system.slice/backup.service', unit: 'backup.service' }],
  [7003n, { cgroup: '/user.slice/user-1000.slice/session-4.scope', unit: 'session-4.scope' }],
  [7004n, { cgroup: '/system.slice/api-gateway.service', unit: 'api-gateway.service' }],
]);
export const resolver: CgroupResolver = { resolve: (id) => CGROUPS.get(id) ?? { cgroup: '' } };

export const CACHE: DirId = { dev: dev(8, 1), ino: 1310721n };
export const UNITS: DirId = { dev: dev(8, 1), ino: 262146n };
export const PIP: DirId = { dev: dev(259, 3), ino: 5505027n };

export const WALKED: WalkedDirectory[] = [
  { dir: CACHE, path: '/var/lib/app/cache', children: { positive: 1204, negative: 4213377, truncated: false }, walks: 37, walkSeconds: 18.4 },
  { dir: UNITS, path: '/etc/systemd/system', children: { positive: 212, negative: 9, truncated: false }, walks: 5, walkSeconds: 0.002 },
];

interface Row {
  creations: { positive: number; negative: number };
  creators: Array<{ comm: string; tgid: number; cgroupId: bigint; count: number }>;
  churn: Array<{ comm: string; cgroupId: bigint; adds: number; removes: number }>;
  stalled: Array<{ cgroupId: bigint; lockWaitNs: number }>;
}

export const ROWS = new Map<string, Row>([
  [
    key(CACHE),
    {
      creations: { positive: 1311, negative: 3982618 },
      // in the kernel's order, not sorted: the join must sort
      creators: [
        { comm: 'python3', tgid: 991, cgroupId: 7002n, count: 1411 },
        { comm: 'cache-janitor', tgid: 48213, cgroupId: 7001n, count: 3981207 },
      ],
      churn: [{ comm: 'inotifywait', cgroupId: 7003n, adds: 412, removes: 411 }],
      stalled: [{ cgroupId: 7004n, lockWaitNs: 3_217_000_000 }],
    },
  ],
  [key(PIP), { creations: { positive: 17, negative: 912345 }, creators: [{ comm: 'pip', tgid: 5120, cgroupId: 7003n, count: 912345 }], churn: [], stalled: [] }],
]);

export const WATCHERS = new Map<string, Watcher[]>([
  [
    key(CACHE),
    [
      { pid: 3310, comm: 'falcon-sensor', cgroup: '/system.slice/falcon-sensor.service', unit: 'falcon-sensor.service', api: 'fanotify', mask: '0x1000003b', since: '2026-11-30T09:13:02.000Z' },
      { pid: 2231, comm: 'syncthing', cgroup: '/system.slice/syncthing.service', unit: 'syncthing.service', api: 'inotify', mask: '0xfce', since: '2026-11-30T09:12:44.000Z' },
    ],
  ],
]);

export function creatorSource(enabled = true): CreatorSource {
  const row = (d: DirId) => ROWS.get(key(d));
  return {
    enabled,
    creations: (d) => row(d)?.creations,
    negativeCreators: (d, limit) => (row(d)?.creators ?? []).slice(0, limit),
    churn: (d, limit) => (row(d)?.churn ?? []).slice(0, limit),
    stalled: (d, limit) => (row(d)?.stalled ?? []).slice(0, limit),
    filling: (limit) =>
      [
        { dir: CACHE, path: '/var/lib/app/cache', negative: 3982618, positive: 1311 },
        { dir: PIP, path: '/home/ci/.cache/pip/http', negative: 912345, positive: 17 },
      ].slice(0, limit),
  };
}

export const watcherSource: WatcherSource = { watchersOf: (d) => WATCHERS.get(key(d)) ?? [] };

export function sources(over: Partial<DiagnosisSources> = {}): DiagnosisSources {
  return { walked: () => WALKED, creators: creatorSource(), watchers: watcherSource, cgroups: resolver, ...over };
}
