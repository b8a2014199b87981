import { mvRouter } from '../api/mv/mv.index.js';
import { canReadByKey } from '../api/jobs/job-access.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/mv/contract.js';
import type { PipelineDefinition } from './types.js';

/** The MV endpoints of ../shared/seeds/product-ad-generator-api.md: scene plans, character references, scene clips, one job each. */
export const mvPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['mvWorkflow'],
  loadActivities: () => import('../activities/mv/index.js').then((module) => module.createMvActivities),
  router: mvRouter,
  canRead: canReadByKey,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'processing',
};
