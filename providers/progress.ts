import { Context } from '@temporalio/activity';
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
