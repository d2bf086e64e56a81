// node dist/bench/node-pages.js PID...: which pages of the node binary each process has resident
// (/proc/PID/pagemap), by ELF section and by the symbol over each page, side by side: where the
// file-backed part of the footprint goal's RSS goes (docs/benchmark-findings.md). Needs root (pagemap)
// and binutils (nm, readelf) for the binary's symbols; Debian's node keeps them.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';

const PAGE = 4096;
const MB = 1024 * 1024;

interface Range {
  name: string;
  at: number;
  size: number;
}

/** Sorted by address. */
function symbols(binary: string): Range[] {
  const out = execFileSync('nm', ['-C', '-n', '-S', '--defined-only', binary], { encoding: 'utf8', maxBuffer: 256 * MB });
  const syms: Range[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) \S (.*)$/.exec(line);
    if (m) syms.push({ at: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), name: m[3]! });
  }
  return syms;
}

function sections(binary: string): Range[] {
  const out = execFileSync('readelf', ['-S', '-W', binary], { encoding: 'utf8' });
  return [...out.matchAll(/^\s+\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)]
    .map((m) => ({ name: m[1]!, at: parseInt(m[2]!, 16), size: parseInt(m[3]!, 16) }))
    .filter((s) => s.at > 0);
}

/** A symbol's part of the runtime: V8's compilers and heap by namespace, node's, the bundled libraries. */
export function symbolGroup(name: string): string {
  if (/^icudt\d+_dat$/.test(name)) return 'ICU data';
  if (/^icu_\d+::/.test(name)) return 'ICU code';
  if (name.startsWith('Builtins_')) return 'V8 builtins';
  const v8 = /^v8::internal::(\w+)::/.exec(name);
  if (v8) return ['compiler', 'maglev', 'baseline', 'wasm', 'interpreter'].includes(v8[1]!) ? `V8 ${v8[1]}` : 'V8 other';
  if (/^(v8::|cppgc::)/.test(name)) return 'V8 other';
  if (name.startsWith('node::')) return 'node';
  if (/^uv_|^uv__/.test(name)) return 'libuv';
  if (/^(SSL|EVP|ossl|OPENSSL|BN_|CRYPTO|ERR_|X509|ASN1)/.test(name)) return 'OpenSSL';
  if (/llhttp|^nghttp|^ares_|deflate|inflate|^simdutf|^ada::/.test(name)) return 'http, zlib, DNS, UTF-8 libraries';
  return 'other';
}

function resident(pid: number, binary: string): number[] {
  const pages: number[] = [];
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  const entry = Buffer.alloc(8);
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      if (!line.endsWith(` ${binary}`)) continue;
      const [from, to] = line.split(' ')[0]!.split('-').map((x) => parseInt(x, 16)) as [number, number];
      for (let p = from; p < to; p += PAGE) {
        readSync(fd, entry, 0, 8, (p / PAGE) * 8);
        if (entry.readBigUInt64LE(0) >> 63n) pages.push(p);
      }
    }
  } finally {
    closeSync(fd);
  }
  return pages;
}

/** The last range starting at or below addr. */
function covering(sorted: Range[], addr: number): Range | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: Range | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.at <= addr) {
      found = sorted[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** MB resident by section and by symbol group; a page goes to the symbol over its middle (the binary is not position-independent: addresses are the ELF's). */
export function nodePages(pid: number, binary: string, syms: Range[], sects: Range[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string) => out.set(k, (out.get(k) ?? 0) + PAGE / MB);
  for (const p of resident(pid, binary)) {
    add('all');
    const sect = sects.find((s) => p + PAGE > s.at && p < s.at + s.size);
    add(`section ${sect?.name ?? '(none)'}`);
    const mid = p + PAGE / 2;
    const sym = covering(syms, mid);
    if (sym && mid < sym.at + Math.max(sym.size, 1)) add(`symbols: ${symbolGroup(sym.name)}`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pids = process.argv.slice(2).map(Number);
  if (!pids.length || pids.some((p) => !Number.isInteger(p))) {
    process.stderr.write('usage: node dist/bench/node-pages.js PID... (as root)\n');
    process.exit(2);
  }
  // the path the kernel maps it from, as /proc/PID/maps names it
  const real = readlinkSync(`/proc/${pids[0]}/exe`);
  const syms = symbols(real);
  const sects = sections(real);
  const each = pids.map((pid) => nodePages(pid, real, syms, sects));
  const keys = [...new Set(each.flatMap((m) => [...m.keys()]))].sort((a, b) => (each.at(-1)!.get(b) ?? 0) - (each.at(-1)!.get(a) ?? 0));
  process.stdout.write(`| ${real}, MB resident | ${pids.join(' | ')} |\n|---|${pids.map(() => '---|').join('')}\n`);
  for (const k of keys) if (each.some((m) => (m.get(k) ?? 0) >= 0.05)) process.stdout.write(`| ${k} | ${each.map((m) => (m.get(k) ?? 0).toFixed(1)).join(' | ')} |\n`);
}
