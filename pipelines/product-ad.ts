import { productAdRouter } from '../api/product-ad/product-ad.index.js';
import { canReadByKey } from '../api/jobs/job-access.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/product-ad/contract.js';
import type { PipelineDefinition } from './types.js';

/** Product ads (../shared/seeds/product-ad-generator-api.md): script, voice-over, visuals, compositing. */
export const productAdPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['productAdWorkflow'],
  loadActivities: () => import('../activities/product-ad/index.js').then((module) => module.createProductAdActivities),
  router: productAdRouter,
  canRead: canReadByKey,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'processing',
  cancellation: { status: 'cancelled' },
};
