// The server's own schema compilers, so that fastify never loads Ajv and fast-json-stringify (its
// defaults) for one query parameter and five response shapes (docs/benchmark-findings.md, "the web
// layer's share of RSS"). A response is projected onto its schema as fast-json-stringify would:
// keys outside it are dropped, a missing required key is an error (a 500), values go out as they are.
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** the part of JSON Schema the routes' response schemas use */
interface Shape {
  type?: string;
  properties?: Record<string, Shape>;
  required?: readonly string[];
  items?: Shape;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` with only the keys `shape` declares, at every depth; throws on a missing required key */
export function project(shape: Shape, value: unknown, at = ''): unknown {
  if (shape.properties && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, sub] of Object.entries(shape.properties)) {
      const v = value[key];
      if (v !== undefined) out[key] = project(sub, v, `${at}/${key}`);
      else if (shape.required?.includes(key)) throw new Error(`the response lacks ${at}/${key}, which its schema requires`);
    }
    return out;
  }
  if (shape.items && Array.isArray(value)) return value.map((v, i) => project(shape.items as Shape, v, `${at}/${i}`));
  return value;
}

export const schemaCompilers: CompilersFactory = {
  // no route validates a request part by schema: the one query parameter (slow-walks' limit) is parsed by its route
  buildValidator: () => (route: unknown) => {
    const { method, url, httpPart } = route as { method?: string; url?: string; httpPart?: string };
    throw new Error(`${method} ${url}: this server validates no ${httpPart} schema; parse it in the route`);
  },
  buildSerializer: () => (route: { schema?: unknown }) => (data: unknown) => JSON.stringify(project((route.schema ?? {}) as Shape, data)),
};
