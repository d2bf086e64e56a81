// The soak's pass criteria, on what the guest recorded (soak-results.ts): one list of failures.
import type { SoakResults } from './soak-results.js';

/** RSS may grow at most this much between two daemon lifetimes of the same ages under the same load */
export const RSS_GROWTH_LIMIT = 0.1;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** Kernel log lines that mean the guest itself went wrong under the soak. */
export const KERNEL_TROUBLE = /soft lockup|hard LOCKUP|BUG:|Out of memory|Killed process|rcu_sched self-detected|general protection/;

export interface SoakVerdict {
  failures: string[];
  figures: Record<string, unknown>;
}

/**
 * RSS: the last lifetime against the second, over the ages both reached. Every lifetime starts
 * fresh (SIGKILL), so only the same ages under the same load compare; the first lifetime is the
 * warm-up (the kernel's maps and dcache fill, the herd directory is new).
 */
function rssCheck(r: SoakResults, failures: string[]): Record<string, unknown> {
  const lifetimes = [...new Set(r.rss.map(([, l]) => l))];
  const byLifetime = new Map(lifetimes.map((l) => [l, r.rss.filter(([, x]) => x === l)]));
  const medians = Object.fromEntries([...byLifetime].map(([l, s]) => [l, median(s.map(([, , , kb]) => kb))]));
  const maxKb = Math.max(...r.rss.map(([, , , kb]) => kb));
  if (lifetimes.length < 3) {
    if (r.plan.compareRss) failures.push(`RSS: ${lifetimes.length} lifetimes; the comparison needs 3 (the first is the warm-up)`);
    return { medians, maxKb };
  }
  const [second, last] = [byLifetime.get(lifetimes[1] as number) ?? [], byLifetime.get(lifetimes.at(-1) as number) ?? []];
  // the ages both have samples of (a loaded guest samples less often than once a second)
  const ages = (s: typeof second) => s.map(([, , a]) => a);
  const [from, to] = [Math.max(Math.min(...ages(second)), Math.min(...ages(last))), Math.min(Math.max(...ages(second)), Math.max(...ages(last)))];
  const inRange = (s: typeof second) => s.filter(([, , x]) => x >= from && x <= to).map(([, , , kb]) => kb);
  const [a, b] = [median(inRange(second)), median(inRange(last))];
  const growth = b / a - 1;
  const span = `ages ${from}-${to} s, ${inRange(second).length} and ${inRange(last).length} samples`;
  if (!(growth <= RSS_GROWTH_LIMIT)) failures.push(`RSS grew ${(growth * 100).toFixed(1)}% (median ${a} kB in lifetime ${lifetimes[1]}, ${b} kB in lifetime ${lifetimes.at(-1)}, ${span})`);
  return { medians, maxKb, compared: { span, secondKb: a, lastKb: b, growthPercent: Number((growth * 100).toFixed(1)) } };
}

export function checkSoak(r: SoakResults, consoleLog = ''): SoakVerdict {
  const failures: string[] = [];
  if (r.error) failures.push(`the soak stopped: ${r.error}`);
  for (const e of r.exits.filter((x) => !x.intended)) failures.push(`daemon ${e.lifetime} died at ${e.t.toFixed(0)} s: code ${e.code}, signal ${e.signal}`);
  const kills = r.exits.filter((x) => x.intended && x.signal === 'SIGKILL').length;
  if (r.sigtermExit !== 0) failures.push(`the last daemon exited ${r.sigtermExit} after SIGTERM`);
  for (const h of r.hups.filter((x) => !x.alive)) failures.push(`daemon ${h.lifetime} gone after the SIGHUP at ${h.t.toFixed(0)} s`);
  // a scrape past the 10 s timeout (Prometheus's default) times the emulator on a shared host as much
  // as the daemon: counted and shown; a refused or failed one is the daemon's
  const refused = (r.scrapes.errors ?? []).filter((e) => e !== 'TimeoutError');
  if (refused.length > 0) failures.push(`${refused.length} of ${r.scrapes.ok + r.scrapes.failed} scrapes failed: ${[...new Set(refused)].join(', ')}`);
  const lifetimes = new Set(r.exits.map((x) => x.lifetime)).size;
  if (r.windows.length !== lifetimes) failures.push(`${r.windows.length} exact windows for ${lifetimes} daemon lifetimes`);
  for (const w of r.windows) {
    if (w.daemonWalks !== w.bpftraceWalks) failures.push(`lifetime ${w.lifetime}: the daemon counted ${w.daemonWalks} walks, bpftrace ${w.bpftraceWalks}`);
    if (w.daemonWalks === 0) failures.push(`lifetime ${w.lifetime}: no walk in its window`);
    if (w.slowWalks !== w.eventsRead + w.eventsLost) failures.push(`lifetime ${w.lifetime}: ${w.slowWalks} slow walks, ${w.eventsRead} read + ${w.eventsLost} lost`);
  }
  const parentWalks = r.windows.reduce((s, w) => s + w.parentWalks, 0);
  if (r.herdTimeouts) failures.push(`${r.herdTimeouts} herd round(s) hung past the soak's limit and were killed`);
  if (r.kernel.includes('oldfsnotify') && parentWalks === 0) failures.push(`no herd walk (trigger parent_event) in ${r.herdRounds} herd rounds on the old kernel`);
  for (const [i, l] of [...r.leftoversAfterKill, ...(r.afterSigterm ? [r.afterSigterm] : [])].entries())
    if (l.progs.length > 0) failures.push(`programs left after stop ${i + 1}: ${l.progs.join('; ')}`);
  const trouble = consoleLog.split('\n').filter((l) => KERNEL_TROUBLE.test(l));
  if (trouble.length > 0) failures.push(`kernel: ${trouble.slice(0, 3).join(' / ')}`);
  const figures = {
    kernel: r.kernel,
    seconds: r.seconds,
    lifetimes,
    kills,
    hups: r.hups.length,
    herdRounds: r.herdRounds,
    scrapes: { ok: r.scrapes.ok, failed: r.scrapes.failed, errors: r.scrapes.errors, p50Ms: quantile(r.scrapes.ms, 0.5), p99Ms: quantile(r.scrapes.ms, 0.99), maxMs: Math.max(...r.scrapes.ms) },
    rss: rssCheck(r, failures),
    walks: r.windows.map((w) => ({ lifetime: w.lifetime, daemon: w.daemonWalks, bpftrace: w.bpftraceWalks, parent: w.parentWalks, slow: w.slowWalks, read: w.eventsRead, lost: w.eventsLost })),
    dropsAtEnd: Object.fromEntries(Object.entries(r.windows.at(-1)?.drops ?? {}).filter(([, v]) => v !== 0)),
  };
  return { failures, figures };
}
