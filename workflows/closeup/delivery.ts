import { CancellationScope, isCancellation, proxyActivities, ApplicationFailure } from '@temporalio/workflow';
import type { JobActivities } from '../../activities/jobs/job-activities.js';
import type { createDeliveryActivities } from '../../activities/closeup/delivery.activities.js';
import type { DeliveryInput } from './contract.js';
import { WORKFLOW_ERROR_CODES } from './contract.js';
import { failureOf, jobActivityOptions, trackStatus } from './shared.js';

const { deliverVideo } = proxyActivities<ReturnType<typeof createDeliveryActivities>>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  // WhatsApp rate limits (130429, 131056) can last a while: keep trying for a day.
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m' },
});
const jobs = proxyActivities<JobActivities>(jobActivityOptions);

/**
 * Sends a finished video on WhatsApp. It has its own workflow ID (closeup-delivery-<job id>) and
 * outlives the submission run, so the user can submit again while it runs; an admin retries a
 * failed delivery by resetting this workflow.
 */
export async function closeupDeliveryWorkflow(input: DeliveryInput): Promise<{ messageId: string }> {
  try {
    const delivered = await deliverVideo(input);
    await jobs.recordStage({ jobId: input.jobId, status: 'sent', detail: { messageId: delivered.messageId } });
    trackStatus('sent');
    return { messageId: delivered.messageId };
  } catch (error) {
    const failure = isCancellation(error) ? { code: WORKFLOW_ERROR_CODES.cancelled, message: 'cancelled by an admin' } : failureOf(error);
    await CancellationScope.nonCancellable(() => jobs.recordFailure({ jobId: input.jobId, stage: 'delivery', ...failure }));
    trackStatus('failed', 'delivery');
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(`delivery failed: ${failure.message}`, failure.code);
  }
}
