import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { z } from 'zod';
import type { Tx } from '../../db/client.js';
import { refundJob } from '../../db/credits/ledger.js';
import { failFeedVideo } from '../../db/feed/creation.js';
import { findFeedVideo, type FeedVideoRow } from '../../db/feed/videos.js';
import { findJob } from '../../db/jobs/queries.js';
import { FEED_RENDER_ACTIVITY, TERMINAL_STATUSES } from '../../workflows/feed/contract.js';
import type { AppDeps } from '../lib/types.js';

/** How long sync-status waits for Temporal before answering from the database alone. */
const DESCRIBE_DEADLINE_MS = 3_000;

const PendingState = proto.temporal.api.enums.v1.PendingActivityState;

/** The http generator's heartbeat (providers/predictions/client.ts): the prediction and its last polled status. */
const PredictionHeartbeat = z.object({ predictionId: z.string().min(1), status: z.string().min(1) });

export interface JobSync {
  status: string;
  stage: string | null;
  progress: number;
  workflowStatus: string | null;
  render: { state: 'waiting' | 'running'; attempt: number } | null;
  providerStatus: { predictionId: string; status: string } | null;
}

interface WorkflowState {
  status: string;
  render: JobSync['render'];
  providerStatus: JobSync['providerStatus'];
}

/** The job's workflow as Temporal describes it now: its status and its pending render, if any. Undefined when it cannot say. */
async function describeWorkflow(deps: AppDeps, workflowId: string): Promise<WorkflowState | undefined> {
  try {
    const description = await deps.temporal.connection.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () => deps.temporal.workflow.getHandle(workflowId).describe());
    const pending = description.raw.pendingActivities?.find((activity) => activity.activityType?.name === FEED_RENDER_ACTIVITY);
    const payload = pending?.heartbeatDetails?.payloads?.[0];
    const heartbeat = payload ? PredictionHeartbeat.safeParse(defaultPayloadConverter.fromPayload(payload)) : undefined;
    return {
      status: description.status.name,
      render: pending ? { state: pending.state === PendingState.PENDING_ACTIVITY_STATE_SCHEDULED ? 'waiting' : 'running', attempt: pending.attempt ?? 1 } : null,
      providerStatus: heartbeat?.success ? heartbeat.data : null,
    };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) deps.logger.warn({ err: error, workflowId }, 'sync-status: Temporal did not describe the workflow');
    return undefined;
  }
}

/**
 * sync-status: asks for the video's job as it is now and repairs the stored video if its job ended
 * without saying so. The workflow keeps the video current itself; what it cannot write is its own
 * end by other hands — a run terminated or timed out (an operator, the Web UI), or a job row
 * failed by the engine while the video still waits. Such a video is marked `failed` with the
 * reason and its DUST refunded (at most once); a job still active is recorded failed with it.
 * Nothing remote is asked besides Temporal: with GENERATION_PROVIDER=http the provider's status is
 * the one the running render last polled (its heartbeat), seconds old at most. Returns the fresh
 * row and what was learned.
 */
export async function syncFeedVideo(deps: AppDeps, row: FeedVideoRow): Promise<{ row: FeedVideoRow; job: JobSync | null }> {
  const found = row.jobId === null ? undefined : await findJob(deps.sql, row.jobId);
  if (!found) return { row, job: null };
  let job = found;
  const workflow = await describeWorkflow(deps, job.workflowId);
  const waiting = row.status === 'pending' || row.status === 'processing';
  const endedElsewhere = workflow && workflow.status !== 'RUNNING' && workflow.status !== 'COMPLETED';
  let fresh = row;
  if (waiting && (job.status === 'failed' || endedElsewhere)) {
    const reason = job.status === 'failed' ? (job.errorMessage ?? 'the job failed') : `its job ended (${workflow!.status.toLowerCase()}) before the video was rendered`;
    const failVideo = async (tx: Tx) => {
      if (await failFeedVideo(tx, row.id, reason)) await refundJob(tx, found.id, 'feed video failed');
    };
    // A run that ended without recording it leaves the job active too: it ends as failed with the video.
    if (job.status === 'failed') await deps.sql.begin(failVideo);
    else await deps.store.markCancelled(job.id, `WORKFLOW_${workflow!.status}`, { message: reason, unlessStatus: TERMINAL_STATUSES, onCancelled: failVideo });
    deps.logger.info({ videoId: row.id, jobId: job.id, reason }, 'sync-status: the video\'s job had ended; video marked failed');
    fresh = (await findFeedVideo(deps.sql, row.id)) ?? row;
    job = (await findJob(deps.sql, job.id)) ?? job;
  }
  return {
    row: fresh,
    job: {
      status: job.status,
      stage: job.stage,
      progress: job.progress,
      workflowStatus: workflow?.status ?? null,
      render: workflow?.render ?? null,
      providerStatus: workflow?.providerStatus ?? null,
    },
  };
}
