// node dist/harness/verifier-stats.js [--cap N] [--object PATH] [program...]
// Loads each named program of the x86-64 object alone into this machine's kernel (run it in a
// guest: `npm run vm -- --kernel debian-5.10 'node dist/harness/verifier-stats.js'`) and prints
// the verifier's statistics line ("processed N insns ...") or its rejection, one line a program.
// Default programs: the walk entries; fentry ones are pointed at the walk function in kallsyms.
import { parseArgs } from 'node:util';
import { defaultOptions } from '../src/config/options.js';
import { BpfObject } from '../src/bpf/object.js';
import { readKallsyms, WALK_FUNCTIONS } from '../src/kernel/kallsyms.js';

const OBJECT = 'bpf/fsnotify.x86.bpf.o';
const STATS_LOG = 4; // BPF_LOG_STATS: the verifier's summary lines only
const { values, positionals } = parseArgs({ options: { cap: { type: 'string' }, object: { type: 'string', default: OBJECT } }, allowPositionals: true });
const cap = values.cap === undefined ? defaultOptions().childrenScan.cap : Number(values.cap);
const names = positionals.length ? positionals : ['walk_entry_fentry_bounded', 'walk_entry_kprobe_bounded', 'walk_entry_fentry', 'walk_entry_kprobe'];
const symbols = readKallsyms();
const walkFunction = WALK_FUNCTIONS.find((f) => symbols.has(f));

/** The verifier's summary of one load: its "processed" line, or the log's last lines on a rejection. */
function loadAlone(name: string): string {
  const lines: string[] = [];
  const logger = { debug: (_: unknown, l: string) => lines.push(l), info: () => {}, warn: () => {} };
  const obj = BpfObject.open(values.object, { logger: logger as never });
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, p.name === name);
    if (name.includes('fentry') && walkFunction) obj.setAttachTarget(name, walkFunction);
    obj.setLogLevel(name, STATS_LOG);
    obj.setRodata({ children_scan_cap: cap });
    obj.load();
    return lines.join('\n').match(/processed \d+ insns[^\n]*/)?.[0] ?? 'loaded (no statistics line)';
  } catch (e) {
    const text = [...lines, String(e)].join('\n');
    return `REJECTED: ${text.match(/processed \d+ insns[^\n]*/)?.[0] ?? text.split('\n').slice(-3).join(' | ')}`;
  } finally {
    obj.close();
  }
}

console.log(`kernel ${(await import('node:os')).release()}, walk function ${walkFunction ?? 'none'}, children_scan_cap ${cap}, ${values.object}`);
for (const name of names) console.log(`${name}: ${loadAlone(name)}`);
