import type { Tx } from '../client.js';
import type { JobStore } from '../jobs/store.js';
import type { JobRef } from '../jobs/types.js';
import { PIPELINE, closeupConcurrencyKey, closeupWorkflowId, type SubmissionAnswers } from '../../workflows/closeup/contract.js';

export interface CloseupJobDraft {
  job: JobRef;
  userId: string;
  needsOtp: boolean;
  selfieKey: string;
  answers: SubmissionAnswers;
  /** SHA-256 of the submitter's tracking token. */
  trackingTokenHash: Buffer;
  /** The workflow run chain that owns the job (the start's first run id). */
  originRunId: string;
  runId?: string;
}

/**
 * Creates a Close-Up job (the engine's row, its answers, the selfie) holding the user's slot,
 * unless it exists. The API writes it as soon as the workflow started; the workflow's first
 * activity writes the same in case the API died in between. Returns whether this call created it.
 * The answers' row is sent behind the job's (pipelined: one round trip for both); when the job
 * existed, its writer's transaction wrote that row too, and this one adds nothing.
 */
export async function createCloseupJob(store: JobStore, tx: Tx, draft: CloseupJobDraft): Promise<{ created: boolean; ref: JobRef }> {
  const [result] = await Promise.all([
    store.create(tx, {
      id: draft.job.id,
      key: draft.job.key,
      pipeline: PIPELINE,
      owner: draft.userId,
      status: draft.needsOtp ? 'awaiting_otp' : 'queued',
      stage: draft.needsOtp ? 'otp' : null,
      workflowId: closeupWorkflowId(draft.userId),
      originRunId: draft.originRunId,
      runId: draft.runId ?? draft.originRunId,
      concurrencyKey: closeupConcurrencyKey(draft.userId),
      assets: [{ kind: 'selfie', key: draft.selfieKey }],
    }),
    tx`
      insert into closeup_jobs (job_id, user_id, tracking_token_hash, gender, attribute_love, relationship_status, vibe)
      values (${draft.job.id}, ${draft.userId}, ${draft.trackingTokenHash}, ${draft.answers.gender}, ${draft.answers.attribute_love},
              ${draft.answers.relationship_status}, ${draft.answers.vibe})
      on conflict (job_id) do nothing`,
  ]);
  return result;
}
