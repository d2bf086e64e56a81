// Just enough of a Dockerfile and .dockerignore reader to lint deploy/container without a docker
// engine: stages with their base image, WORKDIR, COPY, RUN, ENTRYPOINT, CMD and EXPOSE.

export interface Copy {
  /** --from=<stage>; undefined for the build context */
  from?: string;
  sources: string[];
  dest: string;
}

export interface Stage {
  image: string;
  name?: string;
  workdir: string;
  copies: Copy[];
  runs: string[];
  entrypoint: string[];
  cmd: string[];
  expose: string[];
}

/** Instructions, one a line: comments dropped, backslash continuations joined. */
function instructions(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = pending + raw.trim();
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (m) out.push([m[1]!.toUpperCase(), m[2]!.trim()]);
  }
  return out;
}

/** ENTRYPOINT/CMD: exec form (a JSON array) as is, shell form as sh -c. */
const command = (arg: string): string[] => (arg.startsWith('[') ? (JSON.parse(arg) as string[]) : ['/bin/sh', '-c', arg]);

export function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const expand = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get(a ?? b ?? '') ?? '');
  const stages: Stage[] = [];
  for (const [op, arg] of instructions(text)) {
    const stage = stages.at(-1);
    if (op === 'ARG') {
      const [name, value] = arg.split('=', 2);
      if (value !== undefined) args.set(name!, value);
    } else if (op === 'FROM') {
      const [image, as, name] = expand(arg).split(/\s+/);
      const parent = stages.find((s) => s.name === image);
      stages.push({
        image: parent?.image ?? image!,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        workdir: parent?.workdir ?? '/',
        copies: [],
        runs: [],
        entrypoint: parent?.entrypoint ?? [],
        cmd: parent?.cmd ?? [],
        expose: [],
      });
    } else if (!stage) throw new Error(`${op} before FROM`);
    else if (op === 'WORKDIR') stage.workdir = arg.startsWith('/') ? arg : `${stage.workdir.replace(/\/$/, '')}/${arg}`;
    else if (op === 'COPY' || op === 'ADD') {
      const words = arg.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1)! });
    } else if (op === 'RUN') stage.runs.push(arg);
    else if (op === 'ENTRYPOINT') {
      stage.entrypoint = command(arg);
      stage.cmd = []; // as docker does: a new ENTRYPOINT resets an inherited CMD
    } else if (op === 'CMD') stage.cmd = command(arg);
    else if (op === 'EXPOSE') stage.expose.push(...arg.split(/\s+/).map((p) => p.replace(/\/tcp$/, '')));
  }
  return stages;
}

const globRegExp = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*')}$`);

/** Whether a context path reaches the build under .dockerignore rules (the last match wins). */
export function dockerignoreAllows(ignore: string, path: string): boolean {
  const p = path.replace(/^\.\//, '').replace(/\/$/, '');
  let allowed = true;
  for (const raw of ignore.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const re = globRegExp((negated ? line.slice(1) : line).replace(/^\.?\//, '').replace(/\/$/, ''));
    // a pattern that names a directory takes in everything under it
    const parts = p.split('/');
    if (parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')))) allowed = negated;
  }
  return allowed;
}

/** Module specifiers that a TypeScript file loads at run time (`import type` erases). */
export function sourceImports(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) if (!m[1]) specs.push(m[2]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}
