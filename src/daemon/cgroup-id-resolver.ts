// Until the cgroup resolver (src/kernel/cgroups.ts) is wired in: the kernel cgroup id as the label.
import type { CgroupResolver } from '../diagnosis/model.js';

export const cgroupIdResolver: CgroupResolver = { resolve: (cgroupId) => ({ cgroup: cgroupId.toString() }) };
