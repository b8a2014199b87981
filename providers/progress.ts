import { CancelledFailure, Context } from '@temporalio/activity';
import type { ActivityProgress } from './ports.js';

/** How often keepAlive heartbeats: well under the shortest heartbeat timeout a job may set (1 s is allowed; tests use 2 s). */
const KEEP_ALIVE_EVERY_MS = 500;

export interface RunningActivity extends ActivityProgress {
  /**
   * Runs `work` while heartbeating every half second with the last details an adapter gave (or the
   * previous attempt's), so a long step without heartbeats of its own (a download, an upload, a
   * probe) does not time the attempt out, and the next attempt still resumes from those details.
   */
  keepAlive<T>(work: () => Promise<T>): Promise<T>;
}

/** Reasons Temporal aborts one attempt for while the activity goes on: the next attempt takes the work over. */
const ATTEMPT_ONLY_REASONS = new Set(['TIMED_OUT', 'WORKER_SHUTDOWN', 'PAUSED', 'HEARTBEAT_DETAILS_CONVERSION_FAILED']);

/** Whether an abort with this reason stops only the attempt, by the reason alone. */
export function stopsOnlyThisAttempt(reason: unknown): boolean {
  return reason instanceof CancelledFailure && ATTEMPT_ONLY_REASONS.has(reason.message);
}

/**
 * NOT_FOUND is what a worker hears at its next heartbeat both when the run has closed (terminated,
 * reset) and when the server timed this attempt out and scheduled another (a worker too busy to
 * heartbeat in time), which may already hold the work: the run's status tells them apart. When
 * Temporal cannot say, the work is left running: cancelling work another attempt uses fails its
 * job, leaving it costs at most its price.
 */
async function runStillOpen(context: Context): Promise<boolean> {
  const run = context.info.workflowExecution;
  if (!run) return true;
  try {
    const { status } = await context.client.workflow.getHandle(run.workflowId, run.runId).describe();
    return status.name === 'RUNNING';
  } catch {
    return true;
  }
}

/**
 * The running activity's progress handle for an adapter: heartbeats go to Temporal (which also
 * delivers cancellation through them), the last attempt's heartbeat details come back as
 * `resumeFrom`, `signal` aborts when the activity is cancelled or times out, and `report` carries
 * the work's progress to the job's live view (a no-op unless given).
 * Call it inside an activity function.
 */
export function activityProgress(report: (fraction: number) => void = () => {}): RunningActivity {
  const context = Context.current();
  let lastDetails: unknown = context.info.heartbeatDetails;
  const heartbeat = (details?: unknown) => {
    lastDetails = details;
    context.heartbeat(details);
  };
  return {
    heartbeat,
    resumeFrom: context.info.heartbeatDetails as unknown,
    ...(context.info.attempt > 1 ? { earlierAttemptsSince: new Date(context.info.scheduledTimestampMs) } : {}),
    async onlyThisAttemptStopped() {
      const reason: unknown = context.cancellationSignal.reason;
      if (reason instanceof CancelledFailure && reason.message === 'NOT_FOUND') return runStillOpen(context);
      return stopsOnlyThisAttempt(reason);
    },
    signal: context.cancellationSignal,
    report,
    async keepAlive(work) {
      // Only once there is something to repeat: the adapter's own first heartbeat comes quickly.
      const timer = setInterval(() => {
        if (lastDetails !== undefined) context.heartbeat(lastDetails);
      }, KEEP_ALIVE_EVERY_MS);
      try {
        return await work();
      } finally {
        clearInterval(timer);
      }
    },
  };
}
