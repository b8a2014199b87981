import type { Context } from 'hono';
import { mvRouter } from '../api/mv/mv.index.js';
import type { AppEnv } from '../api/lib/types.js';
import { JOB_KEY_PATTERN } from '../api/mv/schemas.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/mv/contract.js';
import type { PipelineDefinition } from './types.js';

/** Open like the seed, to whoever holds the job's UUID (never by the sequential id, which can be guessed). */
const canReadByKey = (c: Context<AppEnv>) => JOB_KEY_PATTERN.test(c.req.param('job') ?? c.req.param('job_id') ?? '');

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
