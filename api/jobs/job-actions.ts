import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';
import { findJob, findSlotHolder } from '../../db/jobs/queries.js';
import type { JobRow } from '../../db/jobs/types.js';
import { ENGINE_ERROR_CODES, FAILED, stageActivityId } from '../../workflows/engine/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** How long a cancel waits for the workflow to record it before the API writes it itself. */
const CANCEL_CONFIRM_MS = 10_000;

export interface JobChange {
  jobId: number;
  oldStatus: string;
  newStatus: string;
  retryCount: number;
}

function pipelineOf(deps: AppDeps, job: JobRow) {
  const pipeline = deps.pipelines.find((candidate) => candidate.name === job.pipeline);
  if (!pipeline) throw new ApiError(409, 'Conflict', `Job ${job.id} belongs to pipeline ${job.pipeline}, which this server does not run.`);
  return pipeline;
}

/** Whether the job still runs: not failed and not in one of its pipeline's terminal statuses. */
export function isJobActive(deps: AppDeps, job: JobRow): boolean {
  return job.status !== FAILED && !pipelineOf(deps, job).terminalStatuses.includes(job.status);
}

async function describeRun(deps: AppDeps, workflowId: string) {
  return deps.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
}

/** A history event's summary (user metadata), when it has one that is a string. */
function summaryOf(event: HistoryEvent): string | undefined {
  const payload = event.userMetadata?.summary;
  const summary: unknown = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
  return typeof summary === 'string' ? summary : undefined;
}

/**
 * The id of the workflow task (its WorkflowTaskCompleted event) that recorded `stage`'s entry — an
 * activity with id `stage:<name>`, or since the engine's local job records (workflows/engine/kit.ts)
 * a local activity's marker with that id as its summary: resetting to it runs the stage again.
 * Undefined when the history never entered the stage.
 */
export function stageEntryWorkflowTask(events: HistoryEvent[], stage: string) {
  const activityId = stageActivityId(stage);
  const entry = events.find((event) => event.activityTaskScheduledEventAttributes?.activityId === activityId || (event.markerRecordedEventAttributes && summaryOf(event) === activityId));
  return (entry?.activityTaskScheduledEventAttributes ?? entry?.markerRecordedEventAttributes)?.workflowTaskCompletedEventId ?? undefined;
}

/**
 * Retries a failed job from its failed stage: the workflow that recorded the failure (the job's
 * own, or a child such as Close-Up's delivery) is reset to just before that stage began, with the
 * same inputs. 409 when another run holds the workflow ID or the job's slot (a reset would
 * terminate it); 400 when the job failed before any stage began.
 */
export async function retryJob(deps: AppDeps, job: JobRow): Promise<JobChange> {
  if (job.status !== FAILED) throw new ApiError(409, 'Conflict', `Job ${job.id} is ${job.status}; only a failed job can be retried.`);
  const pipeline = pipelineOf(deps, job);
  const workflowId = job.failedWorkflowId ?? job.workflowId;
  const resetMainWorkflow = workflowId === job.workflowId;
  const running = await describeRun(deps, workflowId);
  const holder = resetMainWorkflow && job.concurrencyKey ? await findSlotHolder(deps.sql, job.concurrencyKey) : undefined;
  const otherRun = running?.status.name === 'RUNNING' && (!resetMainWorkflow || running.runId !== job.runId);
  if ((holder && holder.id !== job.id) || otherRun) {
    throw new ApiError(409, 'Conflict', `Job ${job.id}'s owner has a newer active job${holder ? ` (${holder.id})` : ''}; a reset would terminate it. Retry once it has finished.`);
  }
  const runId = resetMainWorkflow && job.runId ? job.runId : running?.runId;
  if (!runId) throw new ApiError(409, 'Conflict', `Job ${job.id}'s workflow ${workflowId} has no run to reset.`);
  const history = await deps.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  const resetPoint = job.failedStage ? stageEntryWorkflowTask(history.events ?? [], job.failedStage) : undefined;
  if (!resetPoint) {
    throw new ApiError(400, 'NotRetryable', `Job ${job.id} failed at ${job.failedStage ?? 'its start'}, before any stage it could be retried from; start a new job instead.`);
  }

  // The row stays locked while the reset happens: the new run's first write waits and sees the retry.
  const retryCount = await deps.sql.begin(async (tx) => {
    const [locked] = await tx<{ status: string }[]>`select status from jobs where id = ${job.id} for no key update`;
    if (locked?.status !== FAILED) throw new ApiError(409, 'Conflict', `Job ${job.id} is no longer failed (now ${locked?.status}).`);
    const reset = await deps.temporal.workflowService.resetWorkflowExecution({
      namespace: deps.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId, runId },
      workflowTaskFinishEventId: resetPoint,
      requestId: randomUUID(),
      reason: `admin retry of job ${job.id} from ${job.failedStage}`,
    });
    return deps.store.markRetried(tx, job.id, {
      status: pipeline.retryStatus,
      fromStage: job.failedStage!,
      resetMainWorkflow,
      ...(reset.runId ? { runId: reset.runId } : {}),
    });
  });
  return { jobId: job.id, oldStatus: FAILED, newStatus: pipeline.retryStatus, retryCount };
}

/**
 * Cancels an active job: its running workflow is cancelled (stage activities stop, a paid
 * prediction is cancelled at its provider) and records the cancellation itself. A run that does
 * not answer within 10 s (its worker down or stuck) is terminated, so it can never move the job
 * afterwards, and the API records the cancel as the pipeline says (`cancellation`; by default
 * `failed` with `reason.code`). Every live client gets the event.
 */
export async function cancelJob(deps: AppDeps, job: JobRow, reason: { code: string; message: string } = ADMIN_CANCEL): Promise<JobChange> {
  if (!isJobActive(deps, job)) throw new ApiError(409, 'Conflict', `Job ${job.id} is ${job.status}; only an active job can be cancelled.`);
  const pipeline = pipelineOf(deps, job);
  const running = await runningWorkflowOf(deps, job);
  if (running) {
    const handle = deps.temporal.workflow.getHandle(running.workflowId, running.runId);
    const ignoreGone = (error: unknown) => {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    };
    await handle.cancel().catch(ignoreGone);
    const ended = await Promise.race([handle.result().then(() => true, () => true), sleep(CANCEL_CONFIRM_MS, false, { ref: false })]);
    if (!ended) await handle.terminate(`${reason.message}; the run did not answer the cancel`).catch(ignoreGone);
  }
  await deps.store.markCancelled(job.id, reason.code, {
    status: pipeline.cancellation?.status ?? FAILED,
    message: reason.message,
    unlessStatus: pipeline.terminalStatuses,
    ...(pipeline.cancellation?.compensate ? { onCancelled: (tx) => pipeline.cancellation!.compensate!(tx, job.id) } : {}),
  });
  const after = await findJob(deps.sql, job.id);
  return { jobId: job.id, oldStatus: job.status, newStatus: after?.status ?? FAILED, retryCount: after?.retryCount ?? job.retryCount };
}

const ADMIN_CANCEL = { code: ENGINE_ERROR_CODES.cancelled, message: 'cancelled by an admin' };

/** The job's own run when it still runs, else the newest running child it started. */
async function runningWorkflowOf(deps: AppDeps, job: JobRow): Promise<{ workflowId: string; runId: string } | undefined> {
  for (const workflowId of [job.workflowId, ...[...job.childWorkflowIds].reverse()]) {
    const description = await describeRun(deps, workflowId);
    if (description?.status.name !== 'RUNNING') continue;
    if (workflowId === job.workflowId && job.runId && description.runId !== job.runId) continue;
    return { workflowId, runId: description.runId };
  }
  return undefined;
}
