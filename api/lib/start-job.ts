import type { Tx } from '../../db/client.js';
import { jobSearchAttributes } from '../../workflows/search-attributes.js';
import { DependencyUnavailableError } from './dependency-errors.js';
import type { AppDeps } from './types.js';

/** How long acceptance waits for Temporal to start a job's workflow before answering 503. */
export const START_DEADLINE_MS = 10_000;

/**
 * Starts a job's workflow inside the transaction that creates the job: takes the job's acceptance
 * lock first (the workflow's `kit.accepted()` waits on it), bounds the start (the transaction holds
 * its locks meanwhile) and turns a Temporal outage into 503 — the transaction then rolls back, so
 * nothing is created or charged. Returns what `start` returned (its handle).
 */
export async function startJobWorkflow<T>(deps: Pick<AppDeps, 'store' | 'temporal' | 'logger'>, tx: Tx, jobId: number, start: () => Promise<T>): Promise<T> {
  await deps.store.holdAcceptance(tx, jobId);
  return deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, start).catch((error: unknown) => {
    deps.logger.error({ err: error, jobId }, 'job workflow not started');
    throw new DependencyUnavailableError('temporal', 'Jobs cannot be started right now; nothing was charged. Please retry shortly.');
  });
}

/**
 * How a job's workflow starts: on the configured task queue, under its own id (never reused), with
 * the job's search attributes so the Web UI finds it before its first activity.
 */
export function jobStartOptions<Input extends { job: { id: number; key: string } }>(
  deps: Pick<AppDeps, 'config'>,
  start: { pipeline: string; workflowId: string; input: Input; status: string },
) {
  return {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: start.workflowId,
    workflowIdConflictPolicy: 'FAIL' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    args: [start.input] as [Input],
    typedSearchAttributes: jobSearchAttributes({ pipeline: start.pipeline, job: start.input.job, status: start.status }),
  };
}
