// The object as this host can load it: every program but fentry/fexit (refused here), for tests
// of its maps against the real kernel.
import { BpfObject } from '../../src/bpf/object.js';

export const isTracing = (section: string) => section.startsWith('fentry') || section.startsWith('fexit');

/** fn(object) with the x86 object loaded without its tracing programs; closed afterwards. */
export function withLoadedObject(fn: (obj: BpfObject) => void): void {
  const obj = BpfObject.open('bpf/fsnotify.x86.bpf.o');
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, !isTracing(p.section));
    obj.load();
    fn(obj);
  } finally {
    obj.close();
  }
}
