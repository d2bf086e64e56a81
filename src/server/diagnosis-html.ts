// The landing page's diagnosis: per directory its children, who creates its negative dentries,
// who watches it, who re-adds watches, whose threads it stalled; then the last slow walks. Plain
// server-rendered HTML, every value escaped.
import type { CgroupIdentity, DirectoryDiagnosis } from '../diagnosis/model.js';
import { escapeHtml as esc } from './escape.js';
import type { SlowWalk } from './types.js';

/** 4213377 → "4,213,377" (no Intl: Node builds without full ICU exist) */
export const count = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function duration(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds >= 1) return `${seconds.toFixed(1)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(1)} ms`;
  return `${(seconds * 1e6).toFixed(0)} µs`;
}

/** unit, pod, container (short id) when known, else the cgroup path; the full path on hover */
function where(c: CgroupIdentity): string {
  const parts = [c.unit, c.pod_uid && `pod ${c.pod_uid}`, c.container_id && `container ${c.container_id.slice(0, 12)}`].filter(Boolean) as string[];
  const text = parts.join(' · ') || c.cgroup || '–';
  return c.cgroup ? `<span title="${esc(c.cgroup)}">${esc(text)}</span>` : esc(text);
}

function table(caption: string, head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty"><b>${esc(caption)}:</b> ${esc(empty)}</p>`;
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${esc(caption)}</caption><tr>${th}</tr>\n${tr}</table>`;
}

const num = (n: number) => `<span class="n">${count(n)}</span>`;
/** an ISO time as "2026-11-30 09:41:07Z", kept on one line */
const when = (iso: string) => `<span class="nowrap">${esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</span>`;

function summary(d: DirectoryDiagnosis): string {
  const c = d.children;
  const children =
    d.walks === 0
      ? 'not walked yet, so its children were never scanned'
      : `<b>${count(c.negative)}</b> negative and <b>${count(c.positive)}</b> positive children at the last scan${c.truncated ? ' (scan cap reached: more)' : ''}`;
  const walks = d.walks === 0 ? '' : ` · ${count(d.walks)} walks, ${duration(d.walk_seconds)} walking`;
  const created = d.dentry_creations
    ? ` · <b>${count(d.dentry_creations.negative)}</b> negative, ${count(d.dentry_creations.positive)} positive dentries created since the daemon started`
    : ' · creations not counted (creator probes off)';
  return `<p>${children}${walks}${created}</p>`;
}

function directory(d: DirectoryDiagnosis): string {
  const name = d.path ? `<code>${esc(d.path)}</code>` : `inode ${esc(d.inode)}`;
  const creators = table(
    'Who creates its negative dentries',
    ['created', 'process', 'where'],
    d.negative_creators.map((c) => [num(c.count), `${esc(c.comm)}[${c.tgid}]`, where(c)]),
    d.dentry_creations ? 'none seen' : 'creator probes off',
  );
  const watchers = table(
    'Who watches it',
    ['pid', 'process', 'api', 'mask', 'since', 'where'],
    d.watchers.map((w) => [String(w.pid), esc(w.comm), esc(w.api), `<code>${esc(w.mask)}</code>`, when(w.since), where(w)]),
    'no inotify or fanotify mark on it',
  );
  const churn = table(
    'Who adds and removes watches on it',
    ['process', 'cgroup', 'adds', 'removes'],
    d.watch_changes.map((c) => [esc(c.comm), esc(c.cgroup || '–'), num(c.adds), num(c.removes)]),
    'none seen',
  );
  const stalled = table(
    'Whose threads its walks stalled',
    ['where', 'lock wait'],
    d.stalled.map((s) => [where(s), duration(s.lock_wait_seconds)]),
    'none seen',
  );
  return `<section class="dir"><h3>${name} <small>device ${esc(d.device)}, inode ${esc(d.inode)}</small></h3>
${summary(d)}
${creators}
${watchers}
${churn}
${stalled}
</section>`;
}

function slowWalks(walks: readonly SlowWalk[]): string {
  return table(
    'Last slow walks',
    ['time', 'process', 'directory', 'duration', 'children (neg / pos)', 'trigger', 'lock wait (i_lock / d_lock)'],
    walks.map((w) => [
      when(w.time),
      `${esc(w.comm)}[${w.pid}]`,
      w.path ? `<code>${esc(w.path)}</code>` : `inode ${esc(w.inode)}`,
      duration(w.duration_seconds),
      `${num(w.children.negative)} / ${num(w.children.positive)}`,
      esc(w.syscall ? `${w.trigger} (${w.syscall})` : w.trigger),
      `${duration(w.lock_wait_seconds.i_lock)} / ${duration(w.lock_wait_seconds.d_lock)}`,
    ]),
    'none since the daemon started',
  );
}

export function diagnosisSection(dirs: readonly DirectoryDiagnosis[], walks: readonly SlowWalk[]): string {
  const body = dirs.length ? dirs.map(directory).join('\n') : '<p class="empty">No directory walked or filling up yet.</p>';
  return `<h2 id="diagnosis">Diagnosis</h2>
<p>The directories walked the longest, then those filling with negative dentries that nobody walked yet (<a href="/api/v1/directories">JSON</a>).</p>
${body}
<h2 id="slow-walks">Slow walks</h2>
${slowWalks(walks)}`;
}
