import type { Context } from 'hono';
import { productAdRouter } from '../api/product-ad/product-ad.index.js';
import type { AppEnv } from '../api/lib/types.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/product-ad/contract.js';
import type { PipelineDefinition } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Open like the seed, to whoever holds the job's UUID (never by the sequential id, which can be guessed). */
const canReadByKey = (c: Context<AppEnv>) => UUID.test(c.req.param('job') ?? c.req.param('job_id') ?? '');

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
