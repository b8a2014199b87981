import { proxyActivities } from '@temporalio/workflow';
import type { createDeliveryActivities } from '../../activities/closeup/delivery.activities.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../engine/contract.js';
import { jobKit, onProviderQueue } from '../engine/kit.js';
import { PIPELINE, type DeliveryInput, type JobStatus, type Stage } from './contract.js';

/**
 * Sends a finished video on WhatsApp. It has its own workflow ID (closeup-delivery-<job id>) and
 * outlives the submission run, so the user can submit again while it runs; an admin retries a
 * failed delivery by resetting this workflow to just before its `delivery` stage.
 */
export async function closeupDeliveryWorkflow(input: DeliveryInput): Promise<{ messageId: string }> {
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job: input.job });
  const { deliverVideo } = proxyActivities<ReturnType<typeof createDeliveryActivities>>({
    ...onProviderQueue('whatsapp'),
    startToCloseTimeout: '5m',
    heartbeatTimeout: input.tuning?.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    // WhatsApp rate limits (130429, 131056) can last a while: keep trying for a day.
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m' },
  });
  return kit.run(async () => {
    await kit.enter('delivery');
    const delivered = await deliverVideo({ jobId: input.job.id, videoKey: input.videoKey });
    await kit.status('sent', { detail: { messageId: delivered.messageId } });
    return { messageId: delivered.messageId };
  });
}
