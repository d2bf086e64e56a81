// cgroup v2 paths → pod, container, unit (one row per shape, with the code that makes it), and
// the id → path resolver against this host's real cgroup2 hierarchy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCgroupPath } from '../../src/kernel/cgroup/identity.js';
import { CgroupIdResolver } from '../../src/kernel/cgroup/resolver.js';
import { cgroup2Mount, parseMountinfo, readMountinfo } from '../../src/kernel/mountinfo.js';

const ID = 'a3f1c9e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6';
const UID = '0f6c4b7e-2a1d-4c3b-9e8f-7a6b5c4d3e2f';
const UID_ = UID.replaceAll('-', '_');

// [path, expected identity minus `cgroup`, where the shape comes from]
const TABLE: Array<[string, { pod_uid?: string; container_id?: string; unit?: string }, string]> = [
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    { pod_uid: UID, container_id: ID, unit: `cri-containerd-${ID}.scope` },
    'kubernetes/kubernetes pkg/kubelet/cm/cgroup_manager_linux.go ToSystemd + escapeSystemdCgroupName ("-" → "_"), SystemdPathPrefixOfRuntime("containerd") = "cri-containerd"; containerd/containerd internal/cri getCgroupsPath "slice:cri-containerd:id"; opencontainers/runc libcontainer/cgroups/systemd getUnitName "<prefix>-<name>.scope"',
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`,
    { pod_uid: UID, container_id: ID, unit: `crio-${ID}.scope` },
    'cri-o/cri-o internal/config/cgmgr/systemd_linux.go ContainerCgroupPath: parent + ":" + "crio" + ":" + id',
  ],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`,
    { pod_uid: UID, unit: `crio-conmon-${ID}.scope` },
    "CRI-O's conmon runs beside the container in crio-conmon-<id>.scope: the pod's, not the container's",
  ],
  [
    `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`,
    { pod_uid: UID, container_id: ID, unit: `docker-${ID}.scope` },
    'kubelet: Guaranteed pods sit right under kubepods (no QoS level); dockershim/cri-dockerd with the systemd driver',
  ],
  [
    `/kubepods/burstable/pod${UID}/${ID}`,
    { pod_uid: UID, container_id: ID },
    'kubernetes/kubernetes pkg/kubelet/cm cgroupfs driver ToCgroupfs "/" + join(name...), pod cgroup "pod" + UID (GetPodCgroupNameSuffix); containerd/containerd getCgroupsPath join(parent, id)',
  ],
  [
    `/kubepods/pod${UID}/crio-${ID}`,
    { pod_uid: UID, container_id: ID },
    'cri-o/cri-o internal/config/cgmgr/cgroupfs_linux.go ContainerCgroupPath: join("/", parent, "crio-" + id)',
  ],
  [
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6e4f7c5d3b2a19081726354453627180.slice',
    { pod_uid: '6e4f7c5d3b2a19081726354453627180' },
    "kubelet static pods: the UID is the manifest's hash (32 hex, no dashes); a process in the pod cgroup itself",
  ],
  [
    `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    { pod_uid: UID, container_id: ID, unit: `cri-containerd-${ID}.scope` },
    'kubelet --cgroup-root=/kubelet.slice (kind, some distributions): the same names one level down',
  ],
  [`/system.slice/docker-${ID}.scope`, { container_id: ID, unit: `docker-${ID}.scope` }, 'moby/moby cmd/dockerd/daemon_systemd_unix.go newCgroupParent: "system.slice" + ":docker:", so runc makes docker-<id>.scope'],
  [`/docker/${ID}`, { container_id: ID }, 'moby newCgroupParent without systemd: "docker", so /docker/<id>'],
  [`/system.slice/docker-${ID}.scope/init.scope`, { container_id: ID, unit: 'init.scope' }, 'a container running systemd (nested cgroups under its scope)'],
  [`/default/${ID}`, { container_id: ID }, 'containerd outside Kubernetes (ctr, nerdctl with cgroupfs): /<namespace>/<id>'],
  [`/system.slice/nerdctl-${ID}.scope`, { container_id: ID, unit: `nerdctl-${ID}.scope` }, 'nerdctl with the systemd driver: "system.slice:nerdctl:<id>"'],
  [
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`,
    { container_id: ID, unit: `libpod-${ID}.scope` },
    'rootless Podman: libpod-<id>.scope in the user manager',
  ],
  [`/system.slice/containerd.service`, { unit: 'containerd.service' }, 'a plain systemd service'],
  [`/system.slice/foo.service`, { unit: 'foo.service' }, 'systemd: a service unit under system.slice'],
  [
    '/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope',
    { unit: 'x.scope' },
    "systemd user manager: the innermost unit is the process's own (x.scope), not user@1000.service",
  ],
  ['/system.slice/systemd-journald.service/payload', { unit: 'systemd-journald.service' }, 'a service that delegates sub-cgroups (Delegate=yes)'],
  ['/init.scope', { unit: 'init.scope' }, 'PID 1'],
  ['/', {}, 'the root cgroup (kernel threads, processes outside any unit)'],
  [`/machine.slice/${ID.slice(0, 60)}`, {}, 'not 64 hex: no container id'],
  [`/system.slice/pod${UID}.service`, { unit: `pod${UID}.service` }, 'a "pod" name outside kubepods is not a pod'],
];

test('cgroup path → pod_uid, container_id, unit: one row per shape', () => {
  for (const [path, want, source] of TABLE) assert.deepEqual(parseCgroupPath(path), { cgroup: path, ...want }, `${path} (${source})`);
});

test('mountinfo: the cgroup2 mount on unified and hybrid hosts, octal escapes', () => {
  const hybrid = parseMountinfo(
    [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw',
      '50 23 254:3 /a\\040b /mnt/with\\040space rw - ext4 /dev/vda3 rw',
    ].join('\n'),
  );
  assert.equal(cgroup2Mount(hybrid)?.mountPoint, '/sys/fs/cgroup/unified');
  assert.deepEqual(hybrid[3], { id: 50, dev: (254 << 20) | 3, root: '/a b', mountPoint: '/mnt/with space', fsType: 'ext4' });
  const unified = parseMountinfo('29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n');
  assert.equal(cgroup2Mount(unified)?.mountPoint, '/sys/fs/cgroup');
  assert.equal(cgroup2Mount(parseMountinfo('')), undefined);
});

const MOUNT = cgroup2Mount(readMountinfo())?.mountPoint;

test('resolver: a real cgroup with a real process in it, by its directory inode', { skip: MOUNT === undefined && 'no cgroup2 mount' }, async () => {
  const mount = MOUNT as string;
  const slice = `fsx-test-${process.pid}.slice`;
  const leafRel = `${slice}/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`;
  const unitRel = `${slice}/fsx-probe-${process.pid}.service`;
  mkdirSync(join(mount, leafRel), { recursive: true });
  mkdirSync(join(mount, unitRel));
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  let t = 0;
  try {
    writeFileSync(join(mount, unitRel, 'cgroup.procs'), String(child.pid));
    assert.equal(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::')), `0::/${unitRel}`);

    const r = new CgroupIdResolver({ labels: true, rescanIntervalMs: 1000, now: () => t });
    assert.equal(r.mountPoint, mount);
    const unitId = statSync(join(mount, unitRel), { bigint: true }).ino;
    assert.deepEqual(r.resolve(unitId), { cgroup: `/${unitRel}`, unit: `fsx-probe-${process.pid}.service` });
    assert.deepEqual(r.identityOfPid(child.pid as number), r.resolve(unitId), 'by pid (/proc/<pid>/cgroup) and by id agree');
    assert.deepEqual(r.resolve(statSync(join(mount, leafRel), { bigint: true }).ino), { cgroup: `/${leafRel}`, pod_uid: UID, container_id: ID, unit: `cri-containerd-${ID}.scope` });
    assert.deepEqual(r.resolve(statSync(mount, { bigint: true }).ino), { cgroup: '/' });
    assert.equal(r.stats.rescans, 1, 'one walk served every lookup');
    assert.ok(r.stats.indexed >= 4);
    assert.equal(r.stats.hits, 1);

    // a cgroup made after the walk: unknown until the rate limit lets the next walk run
    const lateRel = `${slice}/late.scope`;
    mkdirSync(join(mount, lateRel));
    const lateId = statSync(join(mount, lateRel), { bigint: true }).ino;
    assert.deepEqual(r.resolve(lateId), { cgroup: '' });
    assert.equal(r.stats.rescans, 1, 'rate-limited: no second walk within the interval');
    assert.equal(r.stats.unresolved, 1);
    t = 1000;
    assert.deepEqual(r.resolve(lateId), { cgroup: `/${lateRel}`, unit: 'late.scope' });
    assert.equal(r.stats.rescans, 2);
    rmdirSync(join(mount, lateRel));

    const off = new CgroupIdResolver({ labels: false });
    assert.deepEqual(off.resolve(unitId), { cgroup: '' });
    assert.deepEqual(off.identityOfPid(child.pid as number), { cgroup: '' });
    assert.equal(off.stats.rescans + off.stats.misses, 0, 'labels off reads nothing');
  } finally {
    child.kill('SIGKILL');
    await exited;
    for (const rel of [unitRel, leafRel, `${slice}/kubepods-burstable-pod${UID_}.slice`, slice]) rmdirSync(join(mount, rel));
  }
});

test('resolver: the cache and the walk are bounded, and say what they dropped', { skip: MOUNT === undefined && 'no cgroup2 mount' }, () => {
  const mount = MOUNT as string;
  const slice = `fsx-test-${process.pid}-b.slice`;
  const names = ['a.scope', 'b.scope', 'c.scope'];
  for (const n of names) mkdirSync(join(mount, slice, n), { recursive: true });
  try {
    const ids = names.map((n) => statSync(join(mount, slice, n), { bigint: true }).ino);
    const r = new CgroupIdResolver({ labels: true, cacheSize: 2 });
    for (const id of ids) assert.ok(r.resolve(id).cgroup.endsWith('.scope'));
    assert.equal(r.stats.evictions, 1, 'three identities through a cache of two');
    r.resolve(ids[0] as bigint);
    assert.equal(r.stats.hits, 0, 'the first was the one evicted');
    assert.equal(r.stats.rescans, 1, 'evicted entries come back from the index, not from a walk');

    const small = new CgroupIdResolver({ labels: true, maxCgroups: 2 });
    small.rescan();
    assert.equal(small.stats.indexed, 2);
    assert.ok(small.stats.indexDropped >= 1);
  } finally {
    for (const n of names) rmdirSync(join(mount, slice, n));
    rmdirSync(join(mount, slice));
  }
});
