// GET /api/v1/slow-walks?limit=N: the newest N slow-walk events (1..1000, default 100), newest
// first, as {"events": [...]}. A bad limit is a 400 that says what limit takes.
import type { FastifyPluginAsync } from 'fastify';
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

/** The limit as decimal digits, 1..1000 exactly ("Infinity", "1e3", " 5" and repeats are refused). */
const LIMIT_PATTERN = /^([1-9][0-9]{0,2}|1000)$/;

/** The query's limit, or undefined when it is not one. */
export function parseLimit(raw: unknown): number | undefined {
  if (raw === undefined) return SLOW_WALKS_LIMIT.default;
  return typeof raw === 'string' && LIMIT_PATTERN.test(raw) ? Number(raw) : undefined;
}

export const slowWalksRoute: FastifyPluginAsync<SlowWalksRouteOptions> = async (app, { slowWalks }) => {
  app.get<{ Querystring: { limit?: string | string[] } }>(
    '/api/v1/slow-walks',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['events'],
            properties: { events: { type: 'array', items: { type: 'object', properties: slowWalkProperties } } },
          },
        },
      },
    },
    async (req, reply) => {
      const limit = parseLimit(req.query.limit);
      if (limit === undefined) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: limitMessage });
      return { events: slowWalks.list(limit).slice(0, limit) };
    },
  );
};
