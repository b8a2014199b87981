import { Context } from '@temporalio/activity';
import type { ActivityProgress } from './ports.js';

/**
 * The running activity's progress handle for an adapter: heartbeats go to Temporal (which also
 * delivers cancellation through them), the last attempt's heartbeat details come back as
 * `resumeFrom`, `signal` aborts when the activity is cancelled or times out, and `report` carries
 * the work's progress to the job's live view (a no-op unless given).
 * Call it inside an activity function.
 */
export function activityProgress(report: (fraction: number) => void = () => {}): ActivityProgress {
  const context = Context.current();
  return {
    heartbeat: (details?: unknown) => context.heartbeat(details),
    resumeFrom: context.info.heartbeatDetails as unknown,
    signal: context.cancellationSignal,
    report,
  };
}
