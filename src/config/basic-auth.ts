// basic_auth_users of the web config: user name → bcrypt hash. bcrypt costs tens of ms per check by
// design, so it runs on a worker thread (bcrypt-worker.ts), and a user:password pair that passed is
// remembered in a small LRU (as exporter-toolkit does), looked up without bcrypt, or every scrape
// would pay it. The cache holds SHA-256 digests, not passwords, and never remembers failures: a
// wrong guess always costs a full bcrypt compare (web-auth.ts limits how many a client gets).
import { compareInWorker } from './bcrypt-worker.js';
import { crypto } from './lazy.js';
import { Lru } from './lru.js';

/** $2a$/$2b$/$2y$ (or the original $2$), a cost of 04..31, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(s: string): boolean {
  return BCRYPT_HASH.test(s);
}

export interface Credentials {
  user: string;
  password: string;
}

/** User and password from an `Authorization: Basic …` header, or undefined. */
export function parseBasicAuthorization(header: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

export class BasicAuthChecker {
  private readonly verified: Lru<string, true>;
  private readonly decoy: string;
  /** bcrypt compares started (cache misses), for tests and debugging */
  bcryptCompares = 0;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    cacheSize = 100,
    private readonly compare: BcryptCompare = compareInWorker,
  ) {
    const first = users.values().next();
    if (first.done) throw new RangeError('BasicAuthChecker needs at least one user');
    // unknown users are checked against a real hash too, so timing does not tell who exists
    this.decoy = first.value;
    this.verified = new Lru(cacheSize);
  }

  get userNames(): string[] {
    return [...this.users.keys()];
  }

  private key(user: string, hash: string | undefined, password: string): string {
    return crypto().createHash('sha256').update(`${user}\0${hash ?? ''}\0${password}`).digest('base64');
  }

  /** The user, when these credentials passed bcrypt before (no bcrypt now). */
  verifiedUser(c: Credentials | undefined): string | undefined {
    if (!c) return undefined;
    const hash = this.users.get(c.user);
    return hash !== undefined && this.verified.get(this.key(c.user, hash, c.password)) ? c.user : undefined;
  }

  /** Whether `password` is `user`'s. Rejects with BcryptBusy when too many compares wait. */
  async verify(user: string, password: string): Promise<boolean> {
    if (this.verifiedUser({ user, password })) return true;
    const hash = this.users.get(user);
    this.bcryptCompares++;
    const ok = await this.compare(password, hash ?? this.decoy);
    if (!ok || hash === undefined) return false;
    this.verified.set(this.key(user, hash, password), true);
    return true;
  }

  /** The user, when the Authorization header carries a known user's right password. */
  async check(authorization: string | undefined): Promise<string | undefined> {
    const c = parseBasicAuthorization(authorization);
    if (!c) return undefined;
    return (await this.verify(c.user, c.password)) ? c.user : undefined;
  }
}
