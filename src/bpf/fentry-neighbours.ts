// Other tools' fentry/fexit/fmod_ret programs on the functions the daemon would probe with fentry:
// each fentry attach or detach rebuilds the function's trampoline, and the calls in flight then
// miss every tool's fexit (docs/reliability.md), so such a function is probed with kprobes instead.
import type { Logger } from 'pino';
import { CAP, has, ownCapabilities } from '../kernel/capabilities.js';
import { mergeLinkScans, scanTracingLinks, TRAMPOLINE_ATTACH_TYPES, type TracingLink, type TracingLinkScan } from '../kernel/tracing-links.js';
import { errnoName } from './errors.js';
import { linkTargetOf, tracingLinksById } from './link-ids.js';

/** Who else holds a trampoline program on a function, or why that could not be checked. */
export type FentryNeighbours = { checked: true; on(func: string): string | undefined } | { checked: false; reason: string };

/**
 * Matches the scan's links to a function by its vmlinux BTF id (`btfId`). The target's object id
 * is not compared (reading vmlinux's BTF object id needs CAP_SYS_ADMIN): a program-target link with
 * the same type id would only make the daemon use kprobes where fentry was harmless.
 */
export function fentryNeighbours(scan: TracingLinkScan, btfId: (func: string) => number | undefined): FentryNeighbours {
  if (!scan.ok) return { checked: false, reason: scan.reason };
  return {
    checked: true,
    on(func) {
      let id: number | undefined;
      try {
        id = btfId(func);
      } catch {
        return undefined; // no BTF id, no match: the plan as before
      }
      if (id === undefined) return undefined;
      const holders = scan.links.filter((l) => l.targetBtfId === id);
      return holders.length ? describe(holders) : undefined;
    },
  };
}

/** "pid 1234 bpftrace: fentry, fexit" for each holding process. */
function describe(links: TracingLink[]): string {
  const byPid = new Map<number, { comm: string; types: Set<string> }>();
  for (const l of links) {
    const p = byPid.get(l.pid) ?? { comm: l.comm, types: new Set<string>() };
    p.types.add(TRAMPOLINE_ATTACH_TYPES.get(l.attachType) ?? String(l.attachType));
    byPid.set(l.pid, p);
  }
  const pinned = links.filter((l) => l.pid === 0).map((l) => l.linkId);
  byPid.delete(0);
  return [
    ...[...byPid].map(([pid, p]) => `pid ${pid} ${p.comm}: ${[...p.types].join(', ')}`),
    ...(pinned.length ? [`link ${pinned.join(', ')} held by no process (pinned)`] : []),
  ].join('; ');
}

/**
 * One pass over /proc (and with CAP_SYS_ADMIN one over the links by id), before the plan; a check
 * that cannot run, or throws, says why once and leaves the plan as it was.
 */
export function detectFentryNeighbours(btfId: (func: string) => number | undefined, logger: Logger): FentryNeighbours {
  let n: FentryNeighbours;
  try {
    const byId = has(ownCapabilities().effective, CAP.SYS_ADMIN) ? tracingLinksById(errnoName) : undefined;
    const scan = mergeLinkScans(scanTracingLinks('/proc', process.pid, linkTargetOf(errnoName)), byId);
    n = fentryNeighbours(scan, btfId);
    if (scan.ok && scan.refused > 0) logger.debug({ refused: scan.refused }, `other fentry tools: ${scan.refused} processes' fds unreadable, their links unseen`);
  } catch (e) {
    n = { checked: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (!n.checked) logger.info({ reason: n.reason }, `could not check for other fentry tools: ${n.reason}`);
  return n;
}
