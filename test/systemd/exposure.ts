/**
 * systemd-analyze security exposure of the unit, recorded in README.md (systemd 252, bookworm):
 * --offline 3.3. 0.2 of it is ProtectKernelTunables, off because it hides /proc/kallsyms from the
 * daemon; the unit makes the same paths read-only itself (docs/packaging.md). CAP_SYS_PTRACE, for
 * the watchers' fdinfo scan, adds 0.3; PrivateMounts=yes takes 0.1 back (3.2 before the watchers).
 */
export const SCORE_CEILING = 3.3;
