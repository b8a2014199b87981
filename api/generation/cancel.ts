import { refundJob } from '../../db/credits/ledger.js';
import { findGenerationJob, type GenerationJob } from '../../db/generation/jobs.js';
import { findJob } from '../../db/jobs/queries.js';
import { cancelJob } from '../jobs/job-actions.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';
import { isEnded } from './job-view.js';

export const CANCELLED_BY_USER = 'CANCELLED_BY_USER';

/** What the API writes for a generation cancel no run answered (pipelines/generation.ts): `cancelled`, with the refund. */
export const generationCancellation = {
  status: 'cancelled',
  compensate: (tx: Parameters<typeof refundJob>[0], jobId: number) => refundJob(tx, jobId, 'cancelled'),
};

/**
 * Cancels the caller's active job through the engine's cancel (api/jobs/job-actions.ts): the
 * workflow stops generating (a running prediction is cancelled at the provider, a local render
 * killed), refunds the DUST and records `cancelled`; a run that does not answer is terminated and
 * the API records both. A job that completed meanwhile stays completed: 409. Returns the job as it ended.
 */
export async function cancelGeneration(deps: AppDeps, job: GenerationJob): Promise<GenerationJob> {
  const row = await findJob(deps.sql, job.key);
  if (!row || isEnded(job.status)) throw new ApiError(409, 'Conflict', `Job ${job.key} is ${job.status}; only a queued or running job can be cancelled.`);
  await cancelJob(deps, row, { code: CANCELLED_BY_USER, message: 'cancelled by the user' });
  const after = (await findGenerationJob(deps.sql, job.key)) ?? job;
  if (after.status !== 'cancelled') throw new ApiError(409, 'Conflict', `Job ${job.key} ${after.status === 'completed' ? 'completed before it could be cancelled' : `is ${after.status}`}.`);
  return after;
}
