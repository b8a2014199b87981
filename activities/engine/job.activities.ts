import { ApplicationFailure, Context } from '@temporalio/activity';
import { ForeignJobWriteError, type JobStore } from '../../db/jobs/store.js';
import type { FailureRecord, JobRef, JobWriter, ProgressStep, StageChange } from '../../db/jobs/types.js';

/** Which workflow run calls: its id and run from Temporal (not from arguments), its run chain from the kit. */
export function currentWriter(originRunId: string, writeSeq?: number): JobWriter {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('job writes must come from a workflow activity');
  return { workflowId: execution.workflowId, runId: execution.runId, originRunId, ...(writeSeq === undefined ? {} : { writeSeq }) };
}

/** A refused write can never succeed: fail the activity for good, with the store's code. */
export async function refuseForeignWrites<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ForeignJobWriteError) throw ApplicationFailure.nonRetryable(error.message, error.code);
    throw error;
  }
}

export interface JobCall {
  job: JobRef;
  /** `workflowInfo().originalExecutionRunId` of the calling workflow. */
  originRunId: string;
  /** The kit's number for this write within its run (JobWriter.writeSeq); absent in histories from before it. */
  writeSeq?: number;
}

/** The stage kit's activities (workflows/engine/kit.ts): every pipeline records its job through these. */
export function createJobActivities(deps: { store: JobStore }) {
  const { store } = deps;
  return {
    /**
     * Whether the API committed the job this workflow was started for (false: its transaction
     * rolled back after the start; there is nothing to do). Waits while that transaction is open.
     * A job that exists but is not this workflow's fails for good (JOB_FOREIGN_WRITE).
     */
    async awaitAcceptance(call: JobCall): Promise<boolean> {
      const exists = await store.awaitAcceptance(call.job.id);
      if (exists) await refuseForeignWrites(() => store.checkWriter(call.job, currentWriter(call.originRunId)));
      return exists;
    },

    async recordStage(call: JobCall & { change: StageChange }): Promise<void> {
      await refuseForeignWrites(() => store.recordStage(call.job, currentWriter(call.originRunId, call.writeSeq), call.change));
    },
    /** Several changes in order, in one transaction: a stage's last status and the next stage's entry. */
    async recordStages(call: JobCall & { changes: StageChange[] }): Promise<void> {
      await refuseForeignWrites(() => store.recordStages(call.job, currentWriter(call.originRunId, call.writeSeq), call.changes));
    },
    async recordProgress(call: JobCall & { step: ProgressStep }): Promise<boolean> {
      return refuseForeignWrites(() => store.recordProgress(call.job, currentWriter(call.originRunId), call.step));
    },
    async recordFailure(call: JobCall & { failure: FailureRecord }): Promise<void> {
      await refuseForeignWrites(() => store.recordFailure(call.job, currentWriter(call.originRunId, call.writeSeq), call.failure));
    },
    async registerChildWorkflow(call: JobCall & { workflowId: string }): Promise<void> {
      await refuseForeignWrites(() => store.addChildWorkflow(call.job, currentWriter(call.originRunId), call.workflowId));
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;
