/** systemd-analyze security exposure of the unit, recorded in README.md (systemd 252, bookworm) */
export const SCORE_CEILING = 3.0;
