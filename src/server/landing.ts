// GET /: a small page linking the endpoints, with the version and what is attached, readable
// without Prometheus.
import type { FastifyPluginAsync } from 'fastify';
import type { LandingInfo } from './types.js';

export interface LandingRouteOptions {
  telemetryPath: string;
  landingInfo: () => LandingInfo;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function landingPage(info: LandingInfo, telemetryPath: string): string {
  const esc = escapeHtml;
  const rows = info.probes
    .map(
      (p) =>
        `<tr><td>${esc(p.probe)}</td><td>${esc(p.mechanism)}</td><td>${esc(p.target)}</td><td>${
          p.attached ? `attached${p.note ? ` (${esc(p.note)})` : ''}` : `<b>not attached</b>${p.error ? `: ${esc(p.error)}` : ''}`
        }</td></tr>`,
    )
    .join('\n');
  const attached = info.probes.filter((p) => p.attached).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fsnotify-exporter</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}td,th{padding:.2em .8em;text-align:left}</style></head>
<body>
<h1>fsnotify-exporter</h1>
<p>Version ${esc(info.version)}. Watches the kernel's fsnotify child-dentry walk (<code>${esc(info.walkFunction)}</code>) on ${esc(info.kernel)};
lock waits measured with <code>${esc(info.lockWaitMechanism)}</code>.</p>
<ul>
<li><a href="${esc(telemetryPath)}">Metrics</a></li>
<li><a href="/api/v1/slow-walks">Slow walks</a> (JSON, newest first, <code>?limit=N</code>)</li>
<li><a href="/healthz">Health</a></li>
<li><a href="/readyz">Readiness</a></li>
</ul>
<h2>Probes (${attached} of ${info.probes.length} attached)</h2>
<table><tr><th>probe</th><th>mechanism</th><th>target</th><th>status</th></tr>
${rows}
</table>
</body></html>
`;
}

export const landingRoute: FastifyPluginAsync<LandingRouteOptions> = async (app, { telemetryPath, landingInfo }) => {
  app.get('/', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(landingPage(landingInfo(), telemetryPath)),
  );
};
