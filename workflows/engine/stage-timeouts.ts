import type { Duration } from '@temporalio/common';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, type JobTuning } from './contract.js';

/**
 * Timeouts and retries of a stage activity that heartbeats (a render, lip-sync, stitching, speech):
 * one attempt may run `attempt`; a failed or lost attempt is tried again after a backoff (2 s,
 * doubling, at most 1 min) until `budget` has passed since the first was scheduled, however many
 * attempts that takes. A count of attempts would fail a job because its workers were lost (a
 * deploy, a crash, a drained node: each a heartbeat timeout) rather than because its work failed;
 * failures another attempt cannot fix are raised non-retryable where they happen (ProviderError
 * with `retryable: false`) and end the stage at once. Bounding retries by ScheduleToCloseTimeout is
 * Temporal's own pattern (docs.temporal.io/design-patterns/fixed-wall-time-retries). The budget
 * includes time spent waiting on the task queue for a worker.
 */
export function heartbeatingStageTimeouts(tuning: JobTuning | undefined, times: { attempt: Duration; budget: Duration }) {
  return {
    startToCloseTimeout: times.attempt,
    scheduleToCloseTimeout: times.budget,
    heartbeatTimeout: tuning?.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
  } as const;
}
