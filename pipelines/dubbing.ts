import { dubbingCancellation } from '../api/dubbing/cancel.js';
import { dubbingRouter } from '../api/dubbing/dubbing.index.js';
import { canReadAsOwner } from '../api/jobs/job-access.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/dubbing/contract.js';
import type { PipelineDefinition } from './types.js';

/** Lip-sync dubbing of library videos (issue 10): a transcript spoken onto a user's video, the dub a new library video; paid in DUST. */
export const dubbingPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['dubbingWorkflow'],
  loadActivities: () => import('../activities/dubbing/index.js').then((module) => module.createDubbingActivities),
  router: dubbingRouter,
  canRead: canReadAsOwner,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'processing',
  cancellation: dubbingCancellation,
};
