// The walked top-K directories of one map read, decoded for the diagnosis: the same cut, in the
// same order, as the fsnotify_directory_* series.
import { Layout, u64Number } from '../bpf/abi.js';
import type { Snapshot } from '../collect/snapshot.js';
import { topDirectoriesOf } from '../collect/top-directories.js';
import type { WalkedDirectory } from './assemble.js';
import { walkedIdentity } from './dir-identity.js';

const L = Layout.dirStats;

export function walkedDirectories(s: Pick<Snapshot, 'dirs'>, k: number): WalkedDirectory[] {
  return topDirectoriesOf(s.dirs, k).map((r) => {
    const v = r.value;
    const { dir, path } = walkedIdentity(r.key, v);
    return {
      dir,
      path,
      children: { positive: u64Number(v, L.children), negative: u64Number(v, L.children + 8), truncated: v.readUInt32LE(L.truncated) !== 0 },
      walks: u64Number(v, L.walks),
      walkSeconds: u64Number(v, L.walkNs) / 1e9,
    };
  });
}
