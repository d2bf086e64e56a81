// deploy/kubernetes and deploy/container, checked without a cluster or a docker engine: every
// manifest against the Kubernetes API's own OpenAPI schemas (kubernetes-models compiles them, the
// prometheus-operator CRD schemas too), the DaemonSet against the security policy and the
// daemon's defaults, and the Dockerfile against the checkout it is built from.
//
// The schemas check types, enums, formats and required fields, not unknown keys (the Kubernetes
// OpenAPI schemas do not forbid them): a misspelt security field is caught by the policy test,
// which reads each one by its exact name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { test } from 'node:test';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_PORT, RESERVED_PATHS } from '../../src/config/options.js';
import { defaultObjectPath } from '../../src/daemon/resolve-object.js';
import { packageRootAbove } from '../../src/package-root.js';
import { dockerignoreAllows, parseDockerfile, sourceImports, type Stage } from './dockerfile.js';

const DIR = 'deploy/kubernetes';
const DOCKERFILE = 'deploy/container/Dockerfile';
const NAMESPACE = 'monitoring';
/** the same four as systemd/fsnotify-exporter.service (which adds SYS_PTRACE for the watchers), without the CAP_ prefix */
const CAPABILITIES = ['BPF', 'PERFMON', 'SYSLOG', 'SYS_RESOURCE'];
const HOST_PATHS = ['/dev/kmsg', '/sys/kernel/btf', '/sys/kernel/tracing'];
/** the daemon's resident set, measured: the request must cover it, the limit leave half again */
const MEASURED_RSS_BYTES = 70e6;

// manifests are plain data from YAML, checked field by field
type Json = any;

type Check = (doc: Json) => void;
const model =
  <T>(Model: new (data: T) => { validate(): void }): Check =>
  (doc) =>
    new Model(doc as T).validate();
const SCHEMAS: Record<string, Check> = {
  'apps/v1 DaemonSet': model(DaemonSet),
  'v1 ServiceAccount': model(ServiceAccount),
  'monitoring.coreos.com/v1 PodMonitor': model(PodMonitor),
};
function validate(doc: Json): void {
  const check = SCHEMAS[`${doc?.apiVersion} ${doc?.kind}`];
  assert.ok(check, `no schema for ${doc?.apiVersion} ${doc?.kind}`);
  check(doc);
}

const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as Json;
const resources: string[] = kustomization.resources;
function load(file: string): Json {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  assert.equal(docs.length, 1, `${file}: one document per file`);
  const doc = docs[0]!;
  assert.deepEqual([...doc.errors, ...doc.warnings], [], `${file}: YAML problems`);
  return doc.toJS();
}
const manifests = new Map(resources.map((f) => [f, load(f)]));
const byKind = (kind: string): Json => [...manifests.values()].find((m) => m.kind === kind);
const ds = byKind('DaemonSet');
const pod = ds.spec.template.spec;
const container = pod.containers[0];
const clone = (v: Json): Json => structuredClone(v);

test('kustomization lists every manifest here, in namespace monitoring', () => {
  assert.equal(kustomization.namespace, NAMESPACE);
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
  assert.deepEqual([...resources].sort(), files.sort());
  for (const [file, m] of manifests) assert.equal(m.metadata.namespace, NAMESPACE, file);
  assert.deepEqual([...manifests.values()].map((m) => m.kind).sort(), ['DaemonSet', 'PodMonitor', 'ServiceAccount']);
});

for (const file of resources)
  test(`${file} is valid against the Kubernetes schema`, () => validate(manifests.get(file)));

test('the schemas reject broken copies (the check can fail)', () => {
  const broken: Array<[string, Json, RegExp]> = [];
  const port = clone(ds);
  port.spec.template.spec.containers[0].ports[0].containerPort = 'x';
  broken.push(['containerPort "x"', port, /containerPort must be integer/]);
  const selector = clone(ds);
  delete selector.spec.selector;
  broken.push(['no selector', selector, /required property selector/]);
  const strategy = clone(ds);
  strategy.spec.updateStrategy.type = 'AllAtOnce';
  broken.push(['unknown update strategy', strategy, /updateStrategy\/type must be equal to one of the allowed values/]);
  const token = clone(byKind('ServiceAccount'));
  token.automountServiceAccountToken = 'no';
  broken.push(['token "no"', token, /automountServiceAccountToken must be boolean/]);
  const endpoints = clone(byKind('PodMonitor'));
  endpoints.spec.podMetricsEndpoints = { port: 'metrics' };
  broken.push(['podMetricsEndpoints not a list', endpoints, /podMetricsEndpoints must be array/]);
  for (const [what, doc, message] of broken) assert.throws(() => validate(doc), message, what);
});

test('DaemonSet: no privilege beyond the four capabilities, on the host namespaces of none', () => {
  for (const k of ['hostPID', 'hostIPC', 'hostNetwork']) assert.notEqual(pod[k], true, k);
  assert.notEqual(pod.hostUsers, false, 'CAP_BPF counts only in the initial user namespace');
  assert.equal(pod.automountServiceAccountToken, false);
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext;
    assert.equal(sc.privileged, false, c.name);
    assert.equal(sc.allowPrivilegeEscalation, false, c.name);
    assert.equal(sc.readOnlyRootFilesystem, true, c.name);
    assert.deepEqual(sc.capabilities.drop, ['ALL'], c.name);
    assert.deepEqual([...sc.capabilities.add].sort(), CAPABILITIES, c.name);
    assert.equal(sc.runAsUser, 0, `${c.name}: capabilities reach uid 0 only`);
    assert.notEqual(sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type, 'Unconfined', c.name);
  }
  const unit = readFileSync('systemd/fsnotify-exporter.service', 'utf8');
  const bounding = /^CapabilityBoundingSet=(.*)$/m.exec(unit)?.[1]?.split(' ').map((c) => c.replace(/^CAP_/, ''));
  // the unit adds CAP_SYS_PTRACE for the watchers' /proc scan; a pod needs hostPID for it too, so it is opt-in there (deploy/kubernetes/README.md)
  assert.deepEqual(bounding?.filter((c) => c !== 'SYS_PTRACE').sort(), CAPABILITIES, 'the systemd unit and the pod grant the same, but for the watchers\' SYS_PTRACE');
});

test('DaemonSet: exactly the host paths the daemon reads, each mounted read-only', () => {
  const hostPathVolumes = new Map<string, Json>(pod.volumes.filter((v: Json) => v.hostPath).map((v: Json) => [v.name, v.hostPath]));
  assert.deepEqual([...hostPathVolumes.values()].map((h) => h.path).sort(), HOST_PATHS);
  assert.equal([...hostPathVolumes.values()].find((h) => h.path === '/dev/kmsg').type, 'CharDevice');
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])])
    for (const m of c.volumeMounts ?? []) if (hostPathVolumes.has(m.name)) assert.equal(m.readOnly, true, `${c.name}: ${m.mountPath}`);
  const mounted = new Set(container.volumeMounts.map((m: Json) => m.name));
  for (const name of hostPathVolumes.keys()) assert.ok(mounted.has(name), `volume ${name} is not mounted`);
});

test('DaemonSet: on every node, with bounded resources and a short, rolling update', () => {
  assert.ok(pod.tolerations.some((t: Json) => t.operator === 'Exists' && !t.key && !t.effect), 'a toleration of every taint');
  const bytes = (q: string) => {
    const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
    assert.ok(m, `memory quantity ${q}`);
    return Number(m[1]) * { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, '': 1 }[m[2] ?? '']!;
  };
  const { requests, limits } = container.resources;
  for (const r of [requests, limits]) assert.ok(r.cpu && r.memory, JSON.stringify(r));
  assert.ok(bytes(requests.memory) >= MEASURED_RSS_BYTES, `request ${requests.memory} below the measured RSS`);
  assert.ok(bytes(limits.memory) >= 1.5 * MEASURED_RSS_BYTES, `limit ${limits.memory} leaves too little headroom`);
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } });
  assert.ok(pod.terminationGracePeriodSeconds > 0 && pod.terminationGracePeriodSeconds <= 30);
});

test("DaemonSet: port, probes and scrape settings match the daemon's defaults", () => {
  const port = container.ports.find((p: Json) => p.name === 'metrics');
  assert.equal(port.containerPort, DEFAULT_PORT);
  assert.ok(container.args.includes(`--web.listen-address=:${DEFAULT_PORT}`));
  const probe = (p: Json) => (assert.equal(p.httpGet.port, 'metrics'), p.httpGet.path);
  assert.equal(probe(container.livenessProbe), '/healthz');
  assert.equal(probe(container.startupProbe), '/healthz');
  assert.equal(probe(container.readinessProbe), '/readyz');
  for (const path of ['/healthz', '/readyz']) assert.ok((RESERVED_PATHS as readonly string[]).includes(path), `${path} is a route of the daemon`);
  const annotations = ds.spec.template.metadata.annotations;
  assert.equal(annotations['prometheus.io/scrape'], 'true');
  assert.equal(annotations['prometheus.io/port'], String(DEFAULT_PORT));
  // the API server enforces this one, the schema cannot
  const labels = ds.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) assert.equal(labels[k], v, `selector ${k}`);
  const pm = byKind('PodMonitor');
  for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) assert.equal(labels[k], v, `PodMonitor selector ${k}`);
  assert.deepEqual(pm.spec.podMetricsEndpoints.map((e: Json) => e.port), ['metrics']);
  assert.equal(pod.serviceAccountName, byKind('ServiceAccount').metadata.name);
});

const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const final = stages.at(-1)!;
const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8');
const contextCopies = (s: Stage) => s.copies.filter((c) => !c.from);

test('Dockerfile: base images pinned to Node 20+, copies only what exists and the context holds', () => {
  const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
  const needMajor = Number(/(\d+)/.exec(engines)?.[1]);
  for (const s of stages) {
    const m = /^node:(\d+)[\w.-]*$/.exec(s.image);
    assert.ok(m, `${s.image}: an official node image with a version tag`);
    assert.ok(Number(m[1]) >= needMajor, `${s.image}: package.json wants node ${engines}`);
  }
  const sources = stages.flatMap((s) => contextCopies(s).flatMap((c) => c.sources));
  for (const src of sources) {
    assert.ok(existsSync(src), `COPY ${src}: not in the checkout`);
    assert.ok(dockerignoreAllows(ignore, src), `COPY ${src}: excluded by Dockerfile.dockerignore`);
  }
  for (const arch of ['x64', 'arm64']) {
    const object = posix.join('bpf', basename(defaultObjectPath(arch)));
    assert.ok(sources.includes(object), `the image lacks ${object}`);
  }
  assert.match(final.runs.join('\n'), /apt-get install[^\n]*\blibbpf1\b/);
  assert.match(stages.flatMap((s) => s.runs).join('\n'), /npm prune --omit=dev/);
});

test('Dockerfile: the image runs what the DaemonSet runs', () => {
  assert.equal(final.workdir, container.workingDir);
  assert.deepEqual(final.entrypoint, container.command);
  assert.deepEqual(final.cmd, container.args);
  assert.deepEqual(final.expose, [String(DEFAULT_PORT)]);
  assert.equal(container.image.split(':').at(-1), JSON.parse(readFileSync('package.json', 'utf8')).version, 'image tag = package version');
});

test('src/ imports nothing outside src/ but production dependencies (all the image has)', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const deps = new Set(Object.keys(pkg.dependencies));
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
  for (const file of walk('src'))
    for (const spec of sourceImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) assert.ok(resolve(dirname(file), spec).startsWith(resolve('src')), `${file}: ${spec} is outside src/`);
      else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        assert.ok(deps.has(name), `${file}: ${name} is not in dependencies (pruned from the image)`);
      }
    }
});

test("the image's layout finds package.json and the BPF objects (assembled from the COPY lines)", () => {
  const root = mkdtempSync(join(tmpdir(), 'fsnotify-image-'));
  try {
    const build = stages.find((s) => s.name === 'build')!;
    const app = join(root, final.workdir);
    for (const c of final.copies) {
      assert.ok(c.from === undefined || c.from === 'build', `COPY --from=${c.from}`);
      for (const src of c.sources) {
        // the build stage's WORKDIR holds the checkout's files, compiled (dist/ here); COPY puts a
        // directory's contents at dest, a file at dest or, for a dest ending in /, under it
        const from = c.from ? posix.relative(build.workdir, src) : src.replace(/\/$/, '');
        const to = statSync(from).isDirectory() || !c.dest.endsWith('/') ? join(app, c.dest) : join(app, c.dest, basename(from));
        mkdirSync(dirname(to), { recursive: true });
        if (from === 'node_modules') symlinkSync(resolve(from), to.replace(/\/$/, ''), 'dir');
        else cpSync(from, to, { recursive: true });
      }
    }
    const [node, ...entry] = final.entrypoint;
    assert.equal(node, 'node');
    const version = spawnSync(process.execPath, [...entry, '--version'], { cwd: app, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.split('\n')[0], `fsnotify-exporter ${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
    // the entry script finds its root as the daemon does: the nearest package.json above it
    const found = packageRootAbove(dirname(join(app, entry.at(-1)!)));
    assert.equal(found, app);
    for (const o of ['x64', 'arm64'].map((a) => defaultObjectPath(a, found))) assert.ok(existsSync(o), `missing ${o}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
test('kubectl kustomize renders valid objects in monitoring', { skip: !kubectl && 'kubectl is not installed' }, () => {
  const r = spawnSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.equal(docs.length, resources.length);
  for (const d of docs) {
    validate(d);
    assert.equal(d.metadata.namespace, NAMESPACE);
  }
});

test("the README's federation match[] and remote_write keep select every fleet recording rule", () => {
  const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
  const keep = new RegExp(`^(?:${/regex: '([^']+)'/.exec(readme)?.[1]})$`);
  const federate = new RegExp(`^(?:${/match\[\]=\{__name__=~"([^"]+)"\}/.exec(readme)?.[1]})$`);
  const rules = (parse(readFileSync('rules/fsnotify-fleet.yml', 'utf8')) as Json).groups.flatMap((g: Json) => g.rules);
  assert.ok(rules.length > 0);
  for (const r of rules) {
    assert.match(r.record, keep);
    assert.match(r.record, federate);
  }
});
