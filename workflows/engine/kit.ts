import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type ChildWorkflowHandle,
  type Workflow,
} from '@temporalio/workflow';
import type { JobActivities } from '../../activities/engine/job.activities.js';
import { searchAttributes } from '../search-attributes.js';
import { ENGINE_ERROR_CODES, FAILED, stageActivityId, type JobRef, type StageChange } from './contract.js';
import { failureOf } from './failure.js';
import { providerTaskQueue, type ProviderQueue } from './provider-queues.js';

/** Read-model writes: quick, and retried until PostgreSQL is back (a refused write fails at once). */
export const jobActivityOptions: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [ENGINE_ERROR_CODES.foreignWrite] },
};

const jobs = proxyActivities<JobActivities>(jobActivityOptions);

/**
 * From this patch on, a stage's entry record and a child workflow's registration run as local
 * activities: inside the workflow task that goes on to schedule the stage's work (or start the
 * child), instead of an activity and a workflow task of their own on the server — two round trips
 * less per stage transition (issue 15). Same writes, same checks, same order: the workflow waits
 * for each as before, a local activity is retried like the activity was (at least once; the writes
 * are idempotent), and a cancelled job waits for it to finish (the default cancellation type)
 * before its failure is recorded. The entry record keeps its `stage:<name>` id as the local
 * activity's summary, where an admin retry finds the workflow task to reset to (api/jobs/job-actions.ts).
 * Histories recorded before the patch replay their activities.
 */
export const LOCAL_JOB_RECORDS_PATCH = 'engine-local-job-records';

/**
 * From this patch on, a status within a stage is a local activity too, so ending a stage and
 * entering the next take one workflow task with both writes (issue 15). A reset to the next stage's
 * entry re-runs that task, status included: the status carries its stage (`withinStage`) and the
 * store drops it once the job has moved on (db/jobs/store.ts recordStage), as the activity it
 * replaces was never re-run. A status before any `enter` carries the kit's first stage, which
 * must then be the one the job was created in (a kit without one sends no guard).
 */
export const LOCAL_STATUS_PATCH = 'engine-local-status';

function localJobs(summary?: string) {
  return proxyLocalActivities<JobActivities>({ ...jobActivityOptions, ...(summary ? { summary } : {}) });
}

/**
 * Activity options placing an activity on a rate-limited provider's queue beside this workflow's
 * own (`<task queue>-<provider>`), where the provider's worker holds it to its rate. Call it inside
 * the workflow function: it reads the running workflow's task queue.
 */
export function onProviderQueue(provider: ProviderQueue): { taskQueue: string } {
  return { taskQueue: providerTaskQueue(workflowInfo().taskQueue, provider) };
}

type Change = Omit<StageChange, 'status' | 'stage'>;

/**
 * A pipeline workflow's handle on its job (deterministic, no I/O): statuses and stages are recorded
 * through the job activities (the one writer, checked against this workflow), the typed search
 * attributes follow them, and `run` records a failure or a cancellation the same way for every
 * pipeline. A stage's entry record is marked `stage:<name>` (see LOCAL_JOB_RECORDS_PATCH): an admin
 * retry resets the failed run to just before it, so the stage runs again with the same inputs.
 */
export function jobKit<Status extends string, Stage extends string>(options: { pipeline: string; job: JobRef; stage?: Stage }) {
  const { job } = options;
  const originRunId = workflowInfo().originalExecutionRunId;
  let stage: Stage | undefined = options.stage;
  // Numbers this run's job writes in the order issued (deterministic, so a replay numbers them
  // the same): the store drops an attempt that lands after a later write (JobWriter.writeSeq).
  let writes = 0;
  const nextWrite = () => ({ job, originRunId, writeSeq: ++writes });
  upsertSearchAttributes([
    { key: searchAttributes.pipeline, value: options.pipeline },
    { key: searchAttributes.jobId, value: job.id },
    { key: searchAttributes.jobKey, value: job.key },
  ]);

  function track(status: string, currentStage: string | undefined): void {
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      ...(currentStage ? [{ key: searchAttributes.stage, value: currentStage }] : []),
    ]);
  }

  function record(change: StageChange, activityId?: string): Promise<void> {
    const recorder = !activityId ? jobs : patched(LOCAL_JOB_RECORDS_PATCH) ? localJobs(activityId) : proxyActivities<JobActivities>({ ...jobActivityOptions, activityId });
    return recorder.recordStage({ ...nextWrite(), change });
  }

  /** A status within the current stage, tracked in the search attributes; LOCAL_STATUS_PATCH says why `withinStage`. */
  function statusChange(status: Status, change: Change): StageChange {
    track(status, stage);
    return { ...change, status, ...(stage === undefined ? {} : { withinStage: stage }) };
  }

  async function recordStatus(status: Status, change: Change = {}): Promise<void> {
    if (!patched(LOCAL_STATUS_PATCH)) {
      track(status, stage);
      return record({ ...change, status });
    }
    await localJobs().recordStage({ ...nextWrite(), change: statusChange(status, change) });
  }

  /** `next` as the current stage, tracked in the search attributes. */
  function entryChange(next: Stage, status: Status | undefined, change: Change): StageChange {
    stage = next;
    if (status) track(status, next);
    else upsertSearchAttributes([{ key: searchAttributes.stage, value: next }]);
    return { ...change, stage: next, ...(status ? { status } : {}) };
  }

  async function enter(next: Stage, status?: Status, change: Change = {}): Promise<void> {
    await record(entryChange(next, status, change), stageActivityId(next));
  }

  return {
    job,
    /** The workflow's run chain, for activities that report progress themselves. */
    originRunId,
    get stage(): Stage | undefined {
      return stage;
    },

    /**
     * Whether the API's transaction that created the job (and started this workflow inside it)
     * committed: waits while it is open; false when it rolled back (do nothing then).
     */
    accepted(): Promise<boolean> {
      return jobs.awaitAcceptance({ job, originRunId });
    },

    /** Moves the job to `status` within the current stage. */
    status: recordStatus,

    /** Enters `stage` (with `status`, or keeping the current one): failures from here on are this stage's. */
    enter,

    /**
     * Ends the current stage at `ended` and enters `next` (as `status` then `enter`) in one write:
     * one local activity and one transaction instead of two — the usual way from stage to stage.
     */
    async advance(ended: { status: Status } & Change, next: Stage, status?: Status, change: Change = {}): Promise<void> {
      const { status: endedStatus, ...endedChange } = ended;
      if (!patched(LOCAL_STATUS_PATCH)) {
        await recordStatus(endedStatus, endedChange);
        return enter(next, status, change);
      }
      const changes = [statusChange(endedStatus, endedChange), entryChange(next, status, change)];
      await localJobs(stageActivityId(next)).recordStages({ ...nextWrite(), changes });
    },

    /** Starts a child workflow that outlives this run (parent close policy ABANDON) and may write the job. */
    async startChild<W extends Workflow>(workflow: W, child: { workflowId: string; args: Parameters<W> }): Promise<ChildWorkflowHandle<W>> {
      await (patched(LOCAL_JOB_RECORDS_PATCH) ? localJobs() : jobs).registerChildWorkflow({ job, originRunId, workflowId: child.workflowId });
      const options = { workflowId: child.workflowId, args: child.args, parentClosePolicy: ParentClosePolicy.ABANDON };
      // startChild's overloads cannot check a generic W's args; `child.args` already is Parameters<W>.
      return (startChild as (workflowFunc: W, childOptions: typeof options) => Promise<ChildWorkflowHandle<W>>)(workflow, options);
    },

    /**
     * Runs the job's body. A failure is recorded once (stage, code, message) and the workflow fails
     * non-retryably with that code; a cancellation is recorded as CANCELLED_BY_ADMIN and rethrown.
     * A write the store refused (not this workflow's job) is not recorded: the job is not ours.
     */
    async run<T>(body: () => Promise<T>): Promise<T> {
      try {
        return await body();
      } catch (error) {
        const cancelled = isCancellation(error);
        const failure = cancelled ? { code: ENGINE_ERROR_CODES.cancelled, message: 'cancelled by an admin' } : failureOf(error);
        if (failure.code === ENGINE_ERROR_CODES.foreignWrite) throw ApplicationFailure.nonRetryable(failure.message, failure.code);
        const failedStage = stage ?? 'start';
        await CancellationScope.nonCancellable(() => jobs.recordFailure({ ...nextWrite(), failure: { stage: failedStage, ...failure } }));
        track(FAILED, failedStage);
        if (cancelled) throw error;
        throw ApplicationFailure.nonRetryable(`${failedStage} failed: ${failure.message}`, failure.code);
      }
    },
  };
}

export type JobKit<Status extends string, Stage extends string> = ReturnType<typeof jobKit<Status, Stage>>;
