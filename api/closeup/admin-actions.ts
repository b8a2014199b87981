import { findJob } from '../../db/jobs/queries.js';
import { ACTIVE_STATUSES, JOB_STATUSES, PIPELINE, isActive, type JobStatus } from '../../workflows/closeup/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';
import { cancelJob, retryJob } from '../jobs/job-actions.js';

export interface StatusChange {
  job_id: number;
  old_status: JobStatus;
  new_status: JobStatus;
  retry_count: number;
}

const ALLOWED = `allowed: failed → queued (retry from the failed stage), or ${ACTIVE_STATUSES.join('/')} → failed (cancel)`;

/**
 * The seed's admin PATCH: `queued` retries a failed job, `failed` cancels an active one; nothing
 * else. Both go through the engine's retry and cancel (api/jobs/job-actions.ts).
 */
export async function changeJobStatus(deps: AppDeps, jobId: number, requested: string): Promise<StatusChange> {
  if (!(JOB_STATUSES as readonly string[]).includes(requested)) {
    throw new ApiError(400, 'ValidationError', `status must be one of ${JOB_STATUSES.join(', ')}`);
  }
  const job = await findJob(deps.sql, jobId);
  if (!job || job.pipeline !== PIPELINE) throw new ApiError(404, 'NotFound', `No job ${jobId}.`);
  const status = job.status as JobStatus;
  let change;
  if (status === 'failed' && requested === 'queued') change = await retryJob(deps, job);
  else if (isActive(status) && requested === 'failed') change = await cancelJob(deps, job);
  else {
    throw new ApiError(400, 'InvalidTransition', `A ${status} job cannot be set to ${requested}; ${ALLOWED}.`, {
      allowed: { failed: ['queued'], ...Object.fromEntries(ACTIVE_STATUSES.map((s) => [s, ['failed']])) },
    });
  }
  return { job_id: change.jobId, old_status: change.oldStatus as JobStatus, new_status: change.newStatus as JobStatus, retry_count: change.retryCount };
}
