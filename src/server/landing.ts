// The landing page: links and what is attached, readable without Prometheus.
import type { LandingInfo } from './types.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function landingPage(info: LandingInfo, telemetryPath: string): string {
  const rows = info.probes
    .map(
      (p) =>
        `<tr><td>${esc(p.probe)}</td><td>${esc(p.mechanism)}</td><td>${esc(p.target)}</td><td>${p.attached ? 'attached' : `<b>not attached</b>: ${esc(p.error ?? '')}`}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fsnotify-exporter</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.2em .8em;text-align:left}</style></head>
<body>
<h1>fsnotify-exporter ${esc(info.version)}</h1>
<p>Watches the kernel's fsnotify child-dentry walk (<code>${esc(info.walkFunction)}</code>) on ${esc(info.kernel)};
lock waits measured with <code>${esc(info.lockWaitMechanism)}</code>.</p>
<ul>
<li><a href="${esc(telemetryPath)}">Metrics</a></li>
<li><a href="/api/v1/slow-walks">Slow walks</a> (JSON, newest first, <code>?limit=N</code>)</li>
<li><a href="/healthz">Health</a> and <a href="/readyz">readiness</a></li>
</ul>
<h2>Probes</h2>
<table><tr><th>probe</th><th>mechanism</th><th>target</th><th>status</th></tr>
${rows}
</table>
</body></html>
`;
}
