import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { refundJob } from '../../db/credits/ledger.js';
import { findGenerationJob, type GenerationJob } from '../../db/generation/jobs.js';
import { TERMINAL_STATUSES, generationWorkflowId } from '../../workflows/generation/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';
import { isEnded } from './job-view.js';

/** How long the user's cancel waits for the workflow to record it (generation stopped, DUST refunded). */
const CANCEL_CONFIRM_MS = 10_000;

export const CANCELLED_BY_USER = 'CANCELLED_BY_USER';

/**
 * Cancels the caller's active job: its workflow is cancelled (a running prediction is cancelled at
 * the provider, a local render killed), refunds the DUST and records `cancelled`. When no run
 * answers in time, the API terminates it and records the cancel and the refund in one transaction. A job that completed
 * meanwhile stays completed: 409. Returns the job as it ended.
 */
export async function cancelGeneration(deps: AppDeps, job: GenerationJob): Promise<GenerationJob> {
  if (isEnded(job.status)) throw new ApiError(409, 'Conflict', `Job ${job.key} is ${job.status}; only a queued or running job can be cancelled.`);
  const handle = deps.temporal.workflow.getHandle(generationWorkflowId(job.key));
  const ignoreGone = (error: unknown) => {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  };
  await handle.cancel().catch(ignoreGone);
  const ended = await Promise.race([handle.result().then(() => true, () => true), sleep(CANCEL_CONFIRM_MS, false, { ref: false })]);
  // No answer (worker down or stuck): stop the run for good before saying cancelled, so it can
  // never complete the job afterwards. Its generate attempt sees the run gone at its next
  // heartbeat and cancels the prediction. A run that completed meanwhile is not found: 409 below.
  if (!ended) await handle.terminate('cancelled by the user; the workflow did not answer the cancel').catch(ignoreGone);
  await deps.store.markCancelled(job.id, CANCELLED_BY_USER, {
    status: 'cancelled',
    message: 'cancelled by the user',
    unlessStatus: TERMINAL_STATUSES,
    onCancelled: (tx) => refundJob(tx, job.id, 'cancelled'),
  });
  const after = (await findGenerationJob(deps.sql, job.key)) ?? job;
  if (after.status !== 'cancelled') throw new ApiError(409, 'Conflict', `Job ${job.key} ${after.status === 'completed' ? 'completed before it could be cancelled' : `is ${after.status}`}.`);
  return after;
}
