import { canReadAsOwner } from '../api/jobs/job-access.js';
import type { Tx } from '../db/client.js';
import { refundJob } from '../db/credits/ledger.js';
import { failFeedVideoOfJob } from '../db/feed/creation.js';
import { CANCELLED_REASON, PIPELINE, TERMINAL_STATUSES } from '../workflows/feed/contract.js';
import type { PipelineDefinition } from './types.js';

/**
 * Feed videos (../shared/seeds/feed-backend-integration-plan.md): a signed-in user's prompt
 * rendered through the generation pipeline's providers, one render at a time on the feed's own
 * task queue. No router here: the app mounts the feed's router under FEED_BASE_PATH itself.
 */
export const feedPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['feedVideoWorkflow'],
  loadActivities: () => import('../activities/feed/index.js').then((module) => module.createFeedActivities),
  canRead: canReadAsOwner,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'pending',
  // A cancel no run answered: the job and its video fail, and a priced video's DUST comes back.
  cancellation: {
    status: 'failed',
    async compensate(tx: Tx, jobId: number) {
      await failFeedVideoOfJob(tx, jobId, CANCELLED_REASON);
      return refundJob(tx, jobId, 'cancelled');
    },
  },
};
