// The walked top-K directories of one map read, decoded for the diagnosis: the same cut, in the
// same order, as the fsnotify_directory_* series.
import { decodeDirKey, decodeDirStats } from '../bpf/abi.js';
import type { Snapshot } from '../collect/snapshot.js';
import { topDirectories } from '../collect/top-directories.js';
import type { WalkedDirectory } from './assemble.js';

export function walkedDirectories(s: Pick<Snapshot, 'dirs'>, k: number): WalkedDirectory[] {
  return topDirectories(s.dirs, k).map((r) => {
    const key = decodeDirKey(r.key);
    const st = decodeDirStats(r.value);
    return {
      dir: { dev: key.dev, ino: key.ino },
      path: st.path,
      children: { positive: Number(st.children[0]), negative: Number(st.children[1]), truncated: st.truncated },
      walks: Number(st.walks),
      walkSeconds: Number(st.walkNs) / 1e9,
    };
  });
}
