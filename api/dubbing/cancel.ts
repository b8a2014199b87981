import { refundJob } from '../../db/credits/ledger.js';
import { findDubbingJob, type DubbingJob } from '../../db/dubbing/jobs.js';
import { findJob } from '../../db/jobs/queries.js';
import type { Tx } from '../../db/client.js';
import { cancelJob } from '../jobs/job-actions.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';
import { isEnded } from './job-view.js';

/** The code a cancel by the job's owner records. */
export const CANCELLED_BY_USER = 'CANCELLED_BY_USER';

/** What the API writes for a dubbing cancel no run answered (pipelines/dubbing.ts): `cancelled`, with the refund. */
export const dubbingCancellation = {
  status: 'cancelled',
  compensate: (tx: Tx, jobId: number) => refundJob(tx, jobId, 'cancelled'),
};

/**
 * Cancels the caller's queued or running job through the engine's cancel (api/jobs/job-actions.ts):
 * the workflow stops speaking or lip-syncing (a running prediction is cancelled at the provider,
 * ffmpeg or espeak-ng killed), refunds the DUST and records `cancelled`; a run that does not answer
 * is terminated and the API records both. 409 when the job has ended, or completed meanwhile (once
 * the dub exists a cancel no longer stops it). Returns the job as it ended.
 */
export async function cancelDubbing(deps: AppDeps, job: DubbingJob): Promise<DubbingJob> {
  const row = await findJob(deps.sql, job.key);
  if (!row || isEnded(job.status)) throw new ApiError(409, 'Conflict', `Job ${job.key} is ${job.status}; only a queued or running job can be cancelled.`);
  await cancelJob(deps, row, { code: CANCELLED_BY_USER, message: 'cancelled by the user' });
  const after = (await findDubbingJob(deps.sql, job.key)) ?? job;
  if (after.status !== 'cancelled') throw new ApiError(409, 'Conflict', `Job ${job.key} ${after.status === 'completed' ? 'completed before it could be cancelled' : `is ${after.status}`}.`);
  return after;
}
