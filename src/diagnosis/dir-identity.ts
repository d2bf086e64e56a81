// A walked directory's identity (its DirId, path, device and inode text, map key), decoded once
// while dir_stats keeps the directory under the same path: the same objects scrape after scrape.
// Decoding every walked directory anew was most of a changed scrape's garbage (docs/benchmark-findings.md).
import { cString, formatDevice, Layout, PATH_LEN } from '../bpf/abi.js';
import type { DirId } from './model.js';

/** What a DirId is known by: the device and inode labels, and the key of the per-directory indexes. */
export interface DirText {
  device: string;
  inode: string;
  /** dirIdKey(dir) */
  key: string;
}

/** A directory as dir_stats names it; the same object while its key and path bytes stay the same. */
export interface WalkedIdentity {
  readonly dir: DirId;
  readonly path: string;
}

interface Kept extends WalkedIdentity {
  /** the key's words (ino low and high, dev): compared with no BigInt made */
  lo: number;
  hi: number;
  /** the path's bytes in dir_stats, to see a rename without decoding the new path */
  pathBytes: Buffer;
}

const K = Layout.dirKey;
const PATH_AT = Layout.dirStats.path;
const PATH_END = PATH_AT + PATH_LEN;

/** Twice dir_stats' size (10,240 entries): past it, the set starts again. */
const KEPT_MAX = 20_480;
const kept = new Map<number, Kept[]>();
let keptCount = 0;

/** ino and dev folded into a small integer: a Map key with no string or number object made. */
const fold = (lo: number, hi: number, dev: number) => (lo ^ Math.imul(hi, 31) ^ Math.imul(dev, 0x9e3779b1 | 0)) & 0x3fff_ffff;

function pathEnd(value: Buffer): number {
  const nul = value.indexOf(0, PATH_AT);
  return nul < 0 || nul > PATH_END ? PATH_END : nul;
}

const samePath = (k: Kept, value: Buffer, end: number) =>
  k.pathBytes.length === end - PATH_AT && value.compare(k.pathBytes, 0, k.pathBytes.length, PATH_AT, end) === 0;

/** The DirId and path of a dir_stats entry: the kept ones while its key and path bytes are unchanged. */
export function walkedIdentity(key: Buffer, value: Buffer): WalkedIdentity {
  const lo = key.readUInt32LE(K.ino);
  const hi = key.readUInt32LE(K.ino + 4);
  const dev = key.readUInt32LE(K.dev);
  const f = fold(lo, hi, dev);
  const end = pathEnd(value);
  const list = kept.get(f);
  let at = -1;
  if (list)
    for (let i = 0; i < list.length; i++) {
      const x = list[i] as Kept;
      if (x.lo === lo && x.hi === hi && x.dir.dev === dev) at = i;
    }
  const k = at >= 0 ? (list![at] as Kept) : undefined;
  if (k && samePath(k, value, end)) return k;
  const fresh: Kept = {
    dir: k?.dir ?? { ino: key.readBigUInt64LE(K.ino), dev },
    path: cString(value, PATH_AT, end - PATH_AT),
    lo,
    hi,
    pathBytes: Buffer.from(value.subarray(PATH_AT, end)),
  };
  if (k) {
    list![at] = fresh; // renamed: the same directory under a new path
    return fresh;
  }
  if (keptCount >= KEPT_MAX) {
    kept.clear();
    keptCount = 0;
  }
  const l = kept.get(f);
  if (l) l.push(fresh);
  else kept.set(f, [fresh]);
  keptCount++;
  return fresh;
}

/** `dev:ino`: how the root-cause and watcher indexes key a directory. */
export const dirIdKey = (d: { dev: number; ino: bigint }): string => `${d.dev}:${d.ino}`;

const texts = new WeakMap<DirId, DirText>();

/** A DirId's device, inode and index key as text, made once per DirId object. */
export function dirText(dir: DirId): DirText {
  let t = texts.get(dir);
  if (!t) texts.set(dir, (t = { device: formatDevice(dir.dev), inode: dir.ino.toString(), key: dirIdKey(dir) }));
  return t;
}
