import type { JobRef, JobTuning } from '../engine/contract.js';
import type { AspectRatio } from '../generation/contract.js';

/**
 * The product-ad contract (../shared/seeds/product-ad-generator-api.md) shared by the API, the
 * workflow and the activities: statuses, the four stages, the workflow input. Workflow-safe.
 */

export const PIPELINE = 'product_ad';

/** The seed's statuses, and `cancelled` (DELETE). `failed` is the engine's. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES = ['completed', 'cancelled'] as const satisfies readonly JobStatus[];

/** The seed's stages, in the order they run. */
export const STAGES = ['script_gen', 'voice_gen', 'video_gen', 'compositing'] as const;
export type Stage = (typeof STAGES)[number];

export interface AdRequest {
  productName: string;
  style: string;
  ctaText: string;
  aspectRatio: AspectRatio;
  /** Our copy of the uploaded product photo (an upright JPEG), when one was sent. */
  productImageKey: string | null;
}

export interface ProductAdInput {
  job: JobRef;
  request: AdRequest;
  tuning?: JobTuning;
}

export const productAdWorkflowId = (jobKey: string) => `product-ad-${jobKey}`;

/** The ad's target length, seconds: what the script is written for. */
export const AD_TARGET_SECONDS = 15;
