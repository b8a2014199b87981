import type { RouteHandler } from '@hono/zod-openapi';
import { eventsSince, findJob, listJobs as queryJobs } from '../../db/jobs/queries.js';
import type { JobRow } from '../../db/jobs/types.js';
import type { Config } from '../../lib/config.js';
import { cancelJob as cancel, retryJob as retry, type JobChange } from '../jobs/job-actions.js';
import { toStreamEvent } from '../jobs/stream.handlers.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './admin-jobs.routes.js';

/** Opaque to clients: the id the next page starts below. */
const encodeCursor = (beforeId: number) => Buffer.from(JSON.stringify({ b: beforeId })).toString('base64url');

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { b?: unknown };
    if (typeof parsed.b === 'number' && Number.isSafeInteger(parsed.b) && parsed.b > 0) return parsed.b;
  } catch {
    // falls through to the 400 below
  }
  throw new ApiError(400, 'ValidationError', 'cursor: not a cursor this API handed out', [{ field: 'cursor', message: 'invalid cursor' }]);
}

function adminView(config: Config, job: JobRow) {
  const ui = `${config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows`;
  return {
    id: job.id,
    key: job.key,
    pipeline: job.pipeline,
    owner: job.owner,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    failed_stage: job.failedStage,
    error_code: job.errorCode,
    error_message: job.errorMessage,
    retry_count: job.retryCount,
    cost_usd: job.costUsd,
    workflow_id: job.workflowId,
    run_id: job.runId,
    temporal_url: `${ui}/${encodeURIComponent(job.workflowId)}${job.runId ? `/${job.runId}` : ''}/history`,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
  };
}

/** `to` as an exclusive bound: a bare date means the end of that day. */
const endOf = (to: string) => (/^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000) : new Date(to));

const changeBody = (change: JobChange) => ({ job_id: change.jobId, old_status: change.oldStatus, new_status: change.newStatus, retry_count: change.retryCount });

async function jobOrNotFound(c: { var: AppEnv['Variables'] }, idOrKey: string): Promise<JobRow> {
  const job = await findJob(c.var.deps.sql, idOrKey);
  if (!job) throw new ApiError(404, 'NotFound', `No job ${idOrKey}.`);
  return job;
}

export const listJobs: RouteHandler<typeof routes.listJobs, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const jobs = await queryJobs(c.var.deps.sql, {
    limit: query.limit + 1,
    ...(query.pipeline ? { pipeline: query.pipeline } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.owner ? { owner: query.owner } : {}),
    ...(query.failed_stage ? { failedStage: query.failed_stage } : {}),
    ...(query.error_code ? { errorCode: query.error_code } : {}),
    ...(query.from ? { createdFrom: new Date(query.from) } : {}),
    ...(query.to ? { createdBefore: endOf(query.to) } : {}),
    ...(query.cursor ? { beforeId: decodeCursor(query.cursor) } : {}),
  });
  const page = jobs.slice(0, query.limit);
  const more = jobs.length > query.limit;
  return c.json({ jobs: page.map((job) => adminView(c.var.deps.config, job)), next_cursor: more ? encodeCursor(page.at(-1)!.id) : null }, 200);
};

export const getJob: RouteHandler<typeof routes.getJob, AppEnv> = async (c) => {
  const job = await jobOrNotFound(c, c.req.valid('param').job);
  const events = await eventsSince(c.var.deps.sql, job.id);
  return c.json(
    {
      ...adminView(c.var.deps.config, job),
      events: events.map((event) => toStreamEvent(job, event)),
    },
    200,
  );
};

export const retryJob: RouteHandler<typeof routes.retryJob, AppEnv> = async (c) => {
  const change = await retry(c.var.deps, await jobOrNotFound(c, c.req.valid('param').job));
  c.var.logger.info({ ...change }, 'admin retried job');
  return c.json(changeBody(change), 200);
};

export const cancelJob: RouteHandler<typeof routes.cancelJob, AppEnv> = async (c) => {
  const change = await cancel(c.var.deps, await jobOrNotFound(c, c.req.valid('param').job));
  c.var.logger.info({ ...change }, 'admin cancelled job');
  return c.json(changeBody(change), 200);
};
