import type { Context } from 'hono';
import { findJob } from '../../db/jobs/queries.js';
import type { JobRow } from '../../db/jobs/types.js';
import type { PipelineDefinition } from '../../pipelines/types.js';
import { hasAdminToken } from '../lib/admin-auth.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { UUID_PATTERN } from '../lib/fields.js';

export interface JobAccess {
  job: JobRow;
  /** Undefined only for an admin reading a job of a pipeline this server does not run. */
  pipeline: PipelineDefinition | undefined;
}

const JOB_ID = /^[1-9]\d{0,14}$/;

/** Whether `text` can name a job: a positive id or a UUID key. */
export const isJobRef = (text: string) => JOB_ID.test(text) || UUID_PATTERN.test(text);

/**
 * May this request read the job (by numeric id or UUID key) and its events? Admins (bearer token)
 * always; anyone else as the job's pipeline's `canRead` says. Throws ApiError: 400 for a malformed
 * id, 404 for an unknown job and for a refusal alike (a job's existence must not leak), or
 * whatever ApiError `canRead` threw itself (e.g. 401 without a token).
 */
export async function authorizeJobRead(c: Context<AppEnv>, idOrKey: string): Promise<JobAccess> {
  if (!isJobRef(idOrKey)) {
    throw new ApiError(400, 'ValidationError', 'job: must be a job id (a positive integer) or a job key (a UUID)', [
      { field: 'job', message: 'must be a job id or key' },
    ]);
  }
  const { deps } = c.var;
  const job = await findJob(deps.sql, idOrKey);
  const notFound = new ApiError(404, 'NotFound', `No job ${idOrKey} here.`);
  if (!job) throw notFound;
  const pipeline = deps.pipelines.find((candidate) => candidate.name === job.pipeline);
  if (hasAdminToken(c)) return { job, pipeline };
  if (!pipeline || !(await pipeline.canRead(c, job))) throw notFound;
  return { job, pipeline };
}

/**
 * The read rule of the open products (product ads, MV): whoever holds the job's UUID key may read
 * it — never by the sequential id, which can be guessed.
 */
export const canReadByKey = (c: Context<AppEnv>): boolean => UUID_PATTERN.test(c.req.param('job') ?? c.req.param('job_id') ?? '');

/**
 * The read rule of the signed-in products (generation, dubbing): the job's owner, signed in.
 * Routes behind requireUser have the user already; the engine's own stream routes check the token
 * here — the `Authorization: Bearer` header, or `access_token` for EventSource and WebSocket clients.
 */
export async function canReadAsOwner(c: Context<AppEnv>, job: JobRow): Promise<boolean> {
  let user = c.get('user') as AppEnv['Variables']['user'] | undefined;
  if (!user) {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? c.req.query('access_token');
    user = await c.var.deps.verifyUser(token).catch(() => undefined);
  }
  return user !== undefined && user.id === job.owner;
}
