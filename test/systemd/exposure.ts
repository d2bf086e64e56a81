/**
 * systemd-analyze security exposure of the unit, recorded in README.md (systemd 252, bookworm):
 * --offline 3.2. 0.2 of it is ProtectKernelTunables, off because it hides /proc/kallsyms from the
 * daemon; the unit makes the same paths read-only itself (docs/packaging.md).
 */
export const SCORE_CEILING = 3.2;
