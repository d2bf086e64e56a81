// GET /api/v1/directories: the diagnosis of each top-K directory (who fills it, who watches it,
// who re-walks it, whose threads it stalled), then the directories filling up unwalked, as a
// JSON array. The response schema is typed against the model so the two cannot drift.
import type { FastifyPluginAsync } from 'fastify';
import type { Creator, DirectoryDiagnosis, StalledWorkload, WatchChurn, Watcher } from '../diagnosis/model.js';
import type { DirectorySource } from './types.js';

export interface DirectoriesRouteOptions {
  directories: DirectorySource;
}

const text = { type: 'string' } as const;
const count = { type: 'integer' } as const;
const seconds = { type: 'number' } as const;
const identity = { cgroup: text, pod_uid: text, container_id: text, unit: text } as const;

/** an object schema whose required keys are the non-optional ones */
const object = (properties: Record<string, object>, required: readonly string[]) => ({ type: 'object', required, properties }) as const;

const creator = { comm: text, tgid: count, count, ...identity } as const satisfies Record<keyof Creator, object>;
const watcher = { pid: count, comm: text, api: text, mask: text, since: text, ...identity } as const satisfies Record<keyof Watcher, object>;
const churn = { comm: text, cgroup: text, adds: count, removes: count } as const satisfies Record<keyof WatchChurn, object>;
const stalled = { lock_wait_seconds: seconds, ...identity } as const satisfies Record<keyof StalledWorkload, object>;
const pair = object({ positive: count, negative: count }, ['positive', 'negative']);

const directory = {
  device: text,
  inode: text,
  path: text,
  children: object({ positive: count, negative: count, truncated: { type: 'boolean' } }, ['positive', 'negative', 'truncated']),
  walks: count,
  walk_seconds: seconds,
  dentry_creations: pair,
  negative_creators: { type: 'array', items: object(creator, ['comm', 'tgid', 'count', 'cgroup']) },
  watchers: { type: 'array', items: object(watcher, ['pid', 'comm', 'api', 'mask', 'since', 'cgroup']) },
  watch_changes: { type: 'array', items: object(churn, ['comm', 'cgroup', 'adds', 'removes']) },
  stalled: { type: 'array', items: object(stalled, ['lock_wait_seconds', 'cgroup']) },
} as const satisfies Record<keyof DirectoryDiagnosis, object>;

const REQUIRED = (Object.keys(directory) as Array<keyof DirectoryDiagnosis>).filter((k) => k !== 'dentry_creations');

export const directoriesRoute: FastifyPluginAsync<DirectoriesRouteOptions> = async (app, { directories }) => {
  app.get('/api/v1/directories', { schema: { response: { 200: { type: 'array', items: object(directory, REQUIRED) } } } }, async () => directories.list());
};
