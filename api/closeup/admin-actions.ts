import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { stageActivityId } from '../../workflows/closeup/shared.js';
import { ACTIVE_STATUSES, JOB_STATUSES, WORKFLOW_ERROR_CODES, closeupWorkflowId, deliveryWorkflowId, isActive, type JobStatus } from '../../workflows/closeup/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const CANCEL_CONFIRM_MS = 10_000;

interface JobRow {
  id: number;
  user_id: string;
  status: JobStatus;
  workflow_id: string;
  run_id: string | null;
  failed_stage: string | null;
  retry_count: number;
}

export interface StatusChange {
  job_id: number;
  old_status: JobStatus;
  new_status: JobStatus;
  retry_count: number;
}

async function loadJob(deps: AppDeps, jobId: number): Promise<JobRow> {
  const [job] = await deps.sql<JobRow[]>`
    select id, user_id, status, workflow_id, run_id, failed_stage, retry_count from video_jobs where id = ${jobId}`;
  if (!job) throw new ApiError(404, 'NotFound', `No job ${jobId}.`);
  return job;
}

const ALLOWED = `allowed: failed → queued (retry from the failed stage), or ${ACTIVE_STATUSES.join('/')} → failed (cancel)`;

/** The admin's PATCH: `queued` retries a failed job, `failed` cancels an active one; nothing else. */
export async function changeJobStatus(deps: AppDeps, jobId: number, requested: string): Promise<StatusChange> {
  if (!(JOB_STATUSES as readonly string[]).includes(requested)) {
    throw new ApiError(400, 'ValidationError', `status must be one of ${JOB_STATUSES.join(', ')}`);
  }
  const job = await loadJob(deps, jobId);
  if (job.status === 'failed' && requested === 'queued') return retryJob(deps, job);
  if (isActive(job.status) && requested === 'failed') return cancelJob(deps, job);
  throw new ApiError(400, 'InvalidTransition', `A ${job.status} job cannot be set to ${requested}; ${ALLOWED}.`, { allowed: { failed: ['queued'], ...Object.fromEntries(ACTIVE_STATUSES.map((s) => [s, ['failed']])) } });
}

/** The workflow task that scheduled the failed stage's status write: resetting to it runs that stage again. */
function resetPointBefore(events: HistoryEvent[], activityId: string) {
  const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityId === activityId);
  return scheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ?? undefined;
}

async function retryJob(deps: AppDeps, job: JobRow): Promise<StatusChange> {
  const { workflow } = deps.temporal;
  let target: { workflowId: string; runId: string | undefined; activityId?: string };
  if (job.failed_stage === 'delivery') {
    target = { workflowId: deliveryWorkflowId(job.id), runId: undefined };
  } else if (job.failed_stage && ['photo_processing', 'lipsync_processing', 'stitching'].includes(job.failed_stage)) {
    const newer = await deps.sql`
      select id from video_jobs where user_id = ${job.user_id} and id <> ${job.id} and status in ${deps.sql(ACTIVE_STATUSES)} limit 1`;
    const running = await workflow
      .getHandle(closeupWorkflowId(job.user_id))
      .describe()
      .then((description) => (description.status.name === 'RUNNING' && description.runId !== job.run_id ? description.runId : undefined))
      .catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
    if (newer.length > 0 || running) {
      throw new ApiError(409, 'Conflict', `The user has a newer active job${newer[0] ? ` (${newer[0].id})` : ''}; a reset would terminate it. Retry once it has finished.`);
    }
    target = { workflowId: job.workflow_id, runId: job.run_id ?? undefined, activityId: stageActivityId(job.failed_stage as JobStatus) };
  } else {
    throw new ApiError(400, 'NotRetryable', `Job ${job.id} failed at ${job.failed_stage ?? 'an unknown stage'}, which cannot be retried; the user can submit again.`);
  }

  const history = await workflow.getHandle(target.workflowId, target.runId).fetchHistory();
  const events = history.events ?? [];
  const resetPoint = target.activityId
    ? resetPointBefore(events, target.activityId)
    : events.find((event) => event.workflowTaskCompletedEventAttributes)?.eventId;
  if (!resetPoint) throw new ApiError(409, 'Conflict', `Job ${job.id}'s workflow history has no point before its failed stage to reset to.`);
  const runId = target.runId ?? (await workflow.getHandle(target.workflowId).describe()).runId;

  // The row stays locked while the reset happens: the new run's first write waits and sees `queued`.
  return deps.sql.begin(async (tx) => {
    const [locked] = await tx<{ status: JobStatus }[]>`select status from video_jobs where id = ${job.id} for update`;
    if (locked?.status !== 'failed') throw new ApiError(409, 'Conflict', `Job ${job.id} is no longer failed (now ${locked?.status}).`);
    const reset = await deps.temporal.workflowService.resetWorkflowExecution({
      namespace: deps.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId: target.workflowId, runId },
      workflowTaskFinishEventId: resetPoint,
      requestId: randomUUID(),
      reason: `admin retry of job ${job.id} from ${job.failed_stage}`,
    });
    const [updated] = await tx<{ retry_count: number }[]>`
      update video_jobs set status = 'queued', retry_count = retry_count + 1, failed_stage = null, last_error_code = null,
             last_error_message = null, updated_at = now()
             ${job.failed_stage === 'delivery' ? tx`` : tx`, run_id = ${reset.runId}`}
      where id = ${job.id} returning retry_count`;
    await tx`insert into video_job_events (job_id, status, detail) values (${job.id}, 'queued', ${tx.json({ retry: updated!.retry_count, from_stage: job.failed_stage })})`;
    await tx`select pg_notify('video_job_events', ${String(job.id)})`;
    return { job_id: job.id, old_status: 'failed' as const, new_status: 'queued' as const, retry_count: updated!.retry_count };
  });
}

async function cancelJob(deps: AppDeps, job: JobRow): Promise<StatusChange> {
  const handle = deps.temporal.workflow.getHandle(job.workflow_id, job.run_id ?? undefined);
  try {
    await handle.cancel();
    // The workflow records the failure itself; give it a moment so the answer is the truth.
    await Promise.race([handle.result().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CANCEL_CONFIRM_MS).unref())]);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  // No run to cancel, or no worker confirmed in time: the row says failed either way.
  await deps.sql`
    update video_jobs set status = 'failed', failed_stage = coalesce(failed_stage, status), last_error_code = coalesce(last_error_code, ${WORKFLOW_ERROR_CODES.cancelled}), updated_at = now()
    where id = ${job.id} and status <> 'failed'`;
  const after = await loadJob(deps, job.id);
  return { job_id: job.id, old_status: job.status, new_status: after.status, retry_count: after.retry_count };
}
