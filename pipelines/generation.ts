import { generationCancellation } from '../api/generation/cancel.js';
import { generationRouter } from '../api/generation/generation.index.js';
import { canReadAsOwner } from '../api/jobs/job-access.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/generation/contract.js';
import type { PipelineDefinition } from './types.js';

/** Generation jobs (../shared/seeds/async-generation-api.md): text or image → video, paid in DUST, for signed-in users. */
export const generationPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['generationWorkflow'],
  loadActivities: () => import('../activities/generation/index.js').then((module) => module.createGenerationActivities),
  router: generationRouter,
  canRead: canReadAsOwner,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'queued',
  cancellation: generationCancellation,
};
