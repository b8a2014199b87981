import { randomUUID } from 'node:crypto';
import { debitForJob, InsufficientCreditsError } from '../../db/credits/ledger.js';
import { admissionState, createFeedVideo, lockAdmission, secondsPerFinishedVideo } from '../../db/feed/creation.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { feedVideoWorkflow } from '../../workflows/feed/feed-video.js';
import { PIPELINE, feedGenerationSpec, feedGenerationTaskQueue, feedVideoWorkflowId, type FeedVideoInput } from '../../workflows/feed/contract.js';
import { ApiError } from '../lib/errors.js';
import { jobStartOptions, startJobWorkflow } from '../lib/start-job.js';
import type { AppDeps } from '../lib/types.js';
import { AdmissionRefused, decideAdmission } from './admission.js';

export interface CreationRequest {
  /** Trimmed, 1–2000 characters, no control characters (the route's schema checks it). */
  prompt: string;
  /** Recreate: the video whose prompt this is. */
  sourceVideoId: string | null;
}

export interface AcceptedCreation {
  videoId: string;
  jobKey: string;
  /** RateLimit-Policy and RateLimit as they stand after this creation. */
  rateLimit: Record<string, string>;
}

/**
 * Accepts a feed video (create or recreate). In one transaction, under the feed's admission lock:
 * the queue and the user's cooldown are checked (429 AdmissionRefused, nothing written),
 * FEED_VIDEO_COST is debited when it is set (402, nothing written), the workflow is started and
 * the job and its `pending` video are written. Concurrent requests are admitted one at a time, so
 * neither bound can be overshot; a Temporal outage is 503 with nothing written
 * (startJobWorkflow). The user's account and profile exist already (the feed session made them).
 */
export async function acceptCreation(deps: AppDeps, user: SignedInUser, request: CreationRequest): Promise<AcceptedCreation> {
  const { config } = deps;
  const job = await deps.store.reserve();
  const workflowId = feedVideoWorkflowId(job.key);
  const input: FeedVideoInput = {
    job,
    accountId: user.id,
    videoId: randomUUID(),
    spec: feedGenerationSpec(request.prompt),
    generationTaskQueue: feedGenerationTaskQueue(config.TEMPORAL_TASK_QUEUE),
    tuning: { heartbeatTimeoutMs: config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 },
  };
  const limits = { queueSize: config.VIDEO_QUEUE_MAXSIZE, cooldownSeconds: config.VIDEO_CREATION_COOLDOWN_SECONDS };

  return deps.sql.begin(async (tx): Promise<AcceptedCreation> => {
    await lockAdmission(tx);
    const admission = await decideAdmission(await admissionState(tx, user.id), limits, () => secondsPerFinishedVideo(tx));
    if (!admission.admitted) throw new AdmissionRefused(admission);
    if (config.FEED_VIDEO_COST > 0) {
      try {
        await debitForJob(tx, user.id, job.id, config.FEED_VIDEO_COST, `feed video ${input.videoId}`);
      } catch (error) {
        if (error instanceof InsufficientCreditsError) {
          throw new ApiError(402, 'InsufficientCredits', error.message, undefined, { balance: error.balance, required: error.required, currency: 'DUST' });
        }
        throw error;
      }
    }
    // Under the admission lock until Temporal answers (bounded): admissions wait meanwhile.
    const handle = await startJobWorkflow(deps, tx, job.id, () =>
      deps.temporal.workflow.start(feedVideoWorkflow, jobStartOptions(deps, { pipeline: PIPELINE, workflowId, input, status: 'pending' })),
    );
    await createFeedVideo(deps.store, tx, { input, prompt: request.prompt, sourceVideoId: request.sourceVideoId, workflowId, originRunId: handle.firstExecutionRunId });
    return { videoId: input.videoId, jobKey: job.key, rateLimit: admission.fields };
  });
}
