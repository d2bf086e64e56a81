// node dist/harness/verifier-stats.js [--cap N] [--object PATH] [program...]
// Loads each named program of the x86-64 object alone into this machine's kernel (run it in a
// guest: `npm run vm -- --kernel debian-5.10 'node dist/harness/verifier-stats.js'`) and prints
// the verifier's statistics line ("processed N insns ...") or its rejection, one line a program.
// Default programs: the walk entries; fentry ones are pointed at the walk function in kallsyms.
// The e2e suite uses verifierStats() for the bounded programs' margin on kernels without bpf_loop.
import { release } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BpfObject } from '../src/bpf/object.js';
import { defaultOptions } from '../src/config/options.js';
import { readKallsyms, WALK_FUNCTIONS } from '../src/kernel/kallsyms.js';

export const OBJECT = 'bpf/fsnotify.x86.bpf.o';
/** The walk entries with the bounded child scan: the largest programs the verifier walks. */
export const BOUNDED_WALK_PROGRAMS = ['walk_entry_fentry_bounded', 'walk_entry_kprobe_bounded'] as const;
/** The instructions the verifier processes at most for one program (BPF_COMPLEXITY_LIMIT_INSNS). */
export const VERIFIER_INSN_LIMIT = 1_000_000;
const STATS_LOG = 4; // BPF_LOG_STATS: the verifier's summary lines only
const PROCESSED = /processed (\d+) insns[^\n]*/;

export interface VerifierStat {
  program: string;
  loaded: boolean;
  /** the verifier's "processed N insns", when it printed it */
  processed?: number;
  /** its statistics line, or the last lines libbpf printed when there is none */
  detail: string;
}

/** Loads `program` alone, its fentry attach target the walk function in kallsyms. */
function loadAlone(objectPath: string, program: string, cap: number, walkFunction: string | undefined): VerifierStat {
  const lines: string[] = [];
  const logger = { debug: (_: unknown, l: string) => lines.push(l), info: () => {}, warn: () => {} };
  const obj = BpfObject.open(objectPath, { logger: logger as never });
  let loaded = false;
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, p.name === program);
    if (program.includes('fentry') && walkFunction) obj.setAttachTarget(program, walkFunction);
    obj.setLogLevel(program, STATS_LOG);
    obj.setRodata({ children_scan_cap: cap });
    obj.load();
    loaded = true;
  } catch (e) {
    lines.push(String(e));
  } finally {
    obj.close();
  }
  const stats = PROCESSED.exec(lines.join('\n'));
  return { program, loaded, processed: stats ? Number(stats[1]) : undefined, detail: stats?.[0] ?? lines.slice(-3).join(' | ') };
}

/** Each program loaded alone (the cap, a .rodata constant, decides how far the bounded loop runs). */
export function verifierStats(programs: readonly string[], o: { objectPath?: string; cap?: number } = {}): VerifierStat[] {
  const walkFunction = WALK_FUNCTIONS.find((f) => readKallsyms().has(f));
  return programs.map((p) => loadAlone(o.objectPath ?? OBJECT, p, o.cap ?? defaultOptions().childrenScan.cap, walkFunction));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({ options: { cap: { type: 'string' }, object: { type: 'string', default: OBJECT } }, allowPositionals: true });
  const cap = values.cap === undefined ? defaultOptions().childrenScan.cap : Number(values.cap);
  const programs = positionals.length ? positionals : [...BOUNDED_WALK_PROGRAMS, 'walk_entry_fentry', 'walk_entry_kprobe'];
  console.log(`kernel ${release()}, children_scan_cap ${cap}, ${values.object}`);
  for (const s of verifierStats(programs, { objectPath: values.object, cap })) console.log(`${s.program}: ${s.loaded ? '' : 'REJECTED: '}${s.detail}`);
}
