// Fatal errors end the daemon with one line on stderr and a distinct exit code (docs/architecture.md).
export const ExitCode = {
  OK: 0,
  CHECK_FAILED: 1,
  USAGE: 2,
  CONFIG: 3,
  WEB_CONFIG: 4,
  PRIVILEGE: 5,
  KERNEL: 6,
  LIBBPF: 7,
  BPF_OBJECT: 8,
  LISTEN: 9,
  STRICT: 10,
  INTERNAL: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem the user can fix: `problem` says what is wrong, `fix` what to do about it. */
export class FatalError extends Error {
  constructor(
    readonly code: ExitCodeValue,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}; ${fix}`);
    this.name = 'FatalError';
  }

  /** The one line printed on stderr. */
  line(): string {
    return `fsnotify-exporter: ${this.problem}; ${this.fix}`;
  }
}
