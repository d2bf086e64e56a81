// GET /: a small page linking the endpoints, with the version, what is attached and, when the
// daemon has a diagnosis, who fills, watches and stalls on the top directories: readable without
// Prometheus.
import type { FastifyPluginAsync } from 'fastify';
import { diagnosisSection } from './diagnosis-html.js';
import { escapeHtml as esc } from './escape.js';
import type { DirectoryDiagnosis, DirectorySource, LandingInfo, SlowWalk, SlowWalkSource } from './types.js';

export interface LandingRouteOptions {
  telemetryPath: string;
  landingInfo: () => LandingInfo;
  slowWalks: SlowWalkSource;
  directories?: DirectorySource;
}

/** slow walks the page lists, newest first */
export const LANDING_SLOW_WALKS = 10;

export interface LandingDiagnosis {
  directories: readonly DirectoryDiagnosis[];
  slowWalks: readonly SlowWalk[];
}

export function landingPage(info: LandingInfo, telemetryPath: string, diagnosis?: LandingDiagnosis): string {
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
<style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}td,th{padding:.2em .8em;text-align:left;vertical-align:top}
table{border-collapse:collapse;margin:.4em 0 .8em}caption{text-align:left;font-weight:bold;padding:.2em 0}tr:nth-child(even){background:#f3f3f3}
.n{font-variant-numeric:tabular-nums}section.dir{border-top:1px solid #ccc;margin-top:1em}h3 small{font-weight:normal;color:#555}.empty{color:#555}.nowrap{white-space:nowrap}</style></head>
<body>
<h1>fsnotify-exporter</h1>
<p>Version ${esc(info.version)}. Watches the kernel's fsnotify child-dentry walk (<code>${esc(info.walkFunction)}</code>) on ${esc(info.kernel)};
lock waits measured with <code>${esc(info.lockWaitMechanism)}</code>.</p>
<ul>
<li><a href="${esc(telemetryPath)}">Metrics</a></li>
<li><a href="/api/v1/slow-walks">Slow walks</a> (JSON, newest first, <code>?limit=N</code>)</li>${
    diagnosis ? '\n<li><a href="/api/v1/directories">Directories</a> (JSON: children, creators, watchers, watch changes, stalled workloads)</li>' : ''
  }
<li><a href="/healthz">Health</a></li>
<li><a href="/readyz">Readiness</a></li>
</ul>
${diagnosis ? diagnosisSection(diagnosis.directories, diagnosis.slowWalks) : ''}
<h2>Probes (${attached} of ${info.probes.length} attached)</h2>
<table><tr><th>probe</th><th>mechanism</th><th>target</th><th>status</th></tr>
${rows}
</table>
</body></html>
`;
}

export const landingRoute: FastifyPluginAsync<LandingRouteOptions> = async (app, { telemetryPath, landingInfo, slowWalks, directories }) => {
  app.get('/', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    const diagnosis = directories && { directories: directories.list(), slowWalks: slowWalks.list(LANDING_SLOW_WALKS).slice(0, LANDING_SLOW_WALKS) };
    return reply.type('text/html; charset=utf-8').send(landingPage(landingInfo(), telemetryPath, diagnosis));
  });
};
