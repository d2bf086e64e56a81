// Every file a user names (config file, web config, its PEM files, the BPF object) is read through
// here: stat first and refuse anything but a regular file of bounded size, so /dev/zero cannot
// grow a buffer to gigabytes and a FIFO cannot block startup; open with O_NONBLOCK and check again
// on the descriptor, so a file swapped for a FIFO in between cannot block either.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

const MiB = 1024 * 1024;

/** Far above what each file holds (a few KiB of YAML or PEM; the shipped object is ~1 MiB). */
export const MAX_BYTES = { config: MiB, pem: MiB, bpfObject: 64 * MiB } as const;

/** Why a named file was not read: `detail` goes in parentheses after the path, `fix` after the ';'. */
export class FileRefused extends Error {
  constructor(
    readonly detail: string,
    readonly fix: string,
  ) {
    super(detail);
    this.name = 'FileRefused';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * MiB) return `${(n / 1024 / MiB).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(1)} KiB`;
}
const limitText = (n: number) => (n % MiB === 0 ? `${n / MiB} MiB` : formatBytes(n));

function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** `what` names the content in the fix: "a YAML file", "a PEM file", "a BPF object". */
function check(st: Stats, name: string, what: string, maxBytes: number): void {
  if (st.isDirectory()) throw new FileRefused('EISDIR', `${name} must name a file, not a directory`);
  const kind = notRegular(st);
  if (kind) throw new FileRefused(`${kind}, not a regular file`, `${name} must name a regular file`);
  if (st.size > maxBytes) throw new FileRefused(`${formatBytes(st.size)}, above the ${limitText(maxBytes)} limit`, `${name} must name ${what} of at most ${limitText(maxBytes)}`);
}

function osError(e: unknown, name: string): FileRefused {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const fix = code === 'EACCES' || code === 'EPERM' ? 'make it readable by the user the daemon runs as' : `check ${name}`;
  return new FileRefused(code, fix);
}

export interface UserFile {
  path: string;
  /** the flag or key that named it, for the fix: "--config.file", "cert_file" */
  name: string;
  /** what it should be, for the fix: "a YAML file" */
  what: string;
  maxBytes: number;
}

/** Checks the file without reading it (for a file another library opens). Throws FileRefused. */
export function checkUserFile(f: UserFile): void {
  let st: Stats;
  try {
    st = statSync(f.path);
  } catch (e) {
    throw osError(e, f.name);
  }
  check(st, f.name, f.what, f.maxBytes);
}

/** The file's bytes. Throws FileRefused. */
export function readUserFile(f: UserFile): Buffer {
  checkUserFile(f);
  let fd: number;
  try {
    fd = openSync(f.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw osError(e, f.name);
  }
  try {
    check(fstatSync(fd), f.name, f.what, f.maxBytes);
    // one byte more than allowed: a file that grew since fstat is refused, not cut
    const buf = Buffer.allocUnsafe(f.maxBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > f.maxBytes) throw new FileRefused(`above the ${limitText(f.maxBytes)} limit`, `${f.name} must name ${f.what} of at most ${limitText(f.maxBytes)}`);
    return Buffer.from(buf.subarray(0, n));
  } catch (e) {
    throw e instanceof FileRefused ? e : osError(e, f.name);
  } finally {
    closeSync(fd);
  }
}
