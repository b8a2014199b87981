import { closeupPipeline } from './closeup.js';
import { dubbingPipeline } from './dubbing.js';
import { feedPipeline } from './feed.js';
import { generationPipeline } from './generation.js';
import { mvPipeline } from './mv.js';
import { productAdPipeline } from './product-ad.js';
import type { PipelineDefinition } from './types.js';

/**
 * Every pipeline reelflow runs: the worker registers their activities (their workflows are
 * exported by workflows/index.ts, bundled once), the API mounts their routes, and the admin
 * endpoints and event streams serve their jobs. A new pipeline is one entry here.
 */
export const PIPELINES: readonly PipelineDefinition[] = [closeupPipeline, generationPipeline, productAdPipeline, mvPipeline, dubbingPipeline, feedPipeline];
