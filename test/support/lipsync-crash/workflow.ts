import { proxyActivities } from '@temporalio/workflow';
import type { GenerateLipsyncInput, LipsyncActivities, LipsyncClip } from '../../../activities/closeup/lipsync.activities.js';

/** Only the lip-sync activity, with a heartbeat timeout short enough that a killed worker's attempt is retried within seconds. */
const { generateLipsync } = proxyActivities<LipsyncActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '2 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 1, maximumAttempts: 5 },
});

export async function lipsyncCrashWorkflow(input: GenerateLipsyncInput): Promise<LipsyncClip> {
  return generateLipsync(input);
}
