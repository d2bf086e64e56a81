// A cgroup v2 path → the pod, container and systemd unit it names, parsed locally (no API server,
// no runtime socket). The shapes come from the code that makes them; test/kernel/cgroup.test.ts
// has one row per shape with its source.
import type { CgroupIdentity } from '../../diagnosis/model.js';

const HEX64 = '[0-9a-f]{64}';
/** systemd driver: runc's getUnitName is `<prefix>-<id>.scope`; the prefixes runtimes pass */
const SCOPE = new RegExp(`^(?:docker|cri-containerd|crio|libpod|nerdctl|containerd)-(${HEX64})\\.scope$`);
/** cgroupfs driver: the bare id (Docker, containerd, kubelet+containerd) or CRI-O's crio-<id> */
const CGROUPFS = new RegExp(`^(?:crio-)?(${HEX64})$`);
/** kubelet: "pod" + UID; the systemd driver writes its dashes as "_" inside `...-pod<uid>.slice`.
 * Static pods' UIDs are 32-hex hashes of the manifest, without dashes. */
const POD = /(?:^|-)pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\.slice)?$/;
const UNIT = /\.(?:service|scope)$/;

function containerIdOf(component: string): string | undefined {
  return SCOPE.exec(component)?.[1] ?? CGROUPFS.exec(component)?.[1];
}

export function parseCgroupPath(path: string): CgroupIdentity {
  const parts = path.split('/').filter((p) => p !== '');
  const id: CgroupIdentity = { cgroup: path };
  const kube = parts.some((p) => p.startsWith('kubepods') || p.includes('-kubepods'));
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] as string;
    if (id.container_id === undefined) {
      const c = containerIdOf(p);
      if (c !== undefined) id.container_id = c;
    }
    if (id.unit === undefined && UNIT.test(p)) id.unit = p;
    if (kube && id.pod_uid === undefined) {
      const m = POD.exec(p);
      if (m) id.pod_uid = (m[1] as string).replaceAll('_', '-');
    }
  }
  return id;
}
