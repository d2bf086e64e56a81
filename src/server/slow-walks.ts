// GET /api/v1/slow-walks?limit=N: the newest N slow-walk events (1..1000, default 100), newest
// first, as {"events": [...]}. A bad limit is a 400 that says what limit takes.
import type { FastifyPluginAsync, FastifySchemaValidationError } from 'fastify';
import type { SlowWalk, SlowWalkSource } from './types.js';

export interface SlowWalksRouteOptions {
  slowWalks: SlowWalkSource;
}

export const SLOW_WALKS_LIMIT = { min: 1, max: 1000, default: 100 } as const;

const seconds = { type: 'number' } as const;
const count = { type: 'integer' } as const;
const text = { type: 'string' } as const;

/** One event; `satisfies` keeps the schema's keys and the SlowWalk type in step. */
const slowWalkProperties = {
  time: text,
  pid: count,
  tgid: count,
  comm: text,
  cgroup_id: text,
  trigger: text,
  syscall: text,
  device: text,
  inode: text,
  path: text,
  duration_seconds: seconds,
  children: { type: 'object', properties: { positive: count, negative: count, truncated: { type: 'boolean' } } },
  concurrent_walkers: count,
  lock_wait_seconds: { type: 'object', properties: { i_lock: seconds, d_lock: seconds } },
} as const satisfies Record<keyof SlowWalk, object>;

const limitMessage = `limit must be an integer from ${SLOW_WALKS_LIMIT.min} to ${SLOW_WALKS_LIMIT.max}`;

/**
 * The limit as decimal digits, 1..1000 exactly. Not `type: integer`: Ajv's coercion turns
 * "Infinity" and "1e309" into Infinity, which passes its integer check and every maximum.
 */
const LIMIT_PATTERN = '^([1-9][0-9]{0,2}|1000)$';

export const slowWalksRoute: FastifyPluginAsync<SlowWalksRouteOptions> = async (app, { slowWalks }) => {
  app.get<{ Querystring: { limit: string } }>(
    '/api/v1/slow-walks',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'string', pattern: LIMIT_PATTERN, default: String(SLOW_WALKS_LIMIT.default) } },
        },
        response: {
          200: {
            type: 'object',
            required: ['events'],
            properties: { events: { type: 'array', items: { type: 'object', properties: slowWalkProperties } } },
          },
        },
      },
      schemaErrorFormatter: (errors: FastifySchemaValidationError[]) =>
        new Error(errors.some((e) => e.instancePath === '/limit') ? limitMessage : `bad query: ${errors[0]?.message ?? 'invalid'}`),
    },
    async (req) => {
      const limit = Number(req.query.limit);
      return { events: slowWalks.list(limit).slice(0, limit) };
    },
  );
};
