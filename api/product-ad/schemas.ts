import { z } from '@hono/zod-openapi';
import { ASPECT_RATIOS } from '../../workflows/generation/contract.js';
import { CONTROL_CHARACTERS, uuidField } from '../lib/fields.js';
import { JOB_STATUSES, STAGES } from '../../workflows/product-ad/contract.js';

/** Shapes of ../shared/seeds/product-ad-generator-api.md (extra fields allowed, none renamed). */

const text = (field: string, max: number) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, `${field} cannot be empty`)
    .max(max, `${field} must be at most ${max} characters`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), `${field} must not contain control characters`);

export const GenerateFormSchema = z.object({
  product_name: text('product_name', 100).openapi({ example: 'EcoWater Bottle' }),
  style: text('style', 50).openapi({ example: 'modern', description: 'e.g. modern, minimalist, energetic, luxury, playful' }),
  cta_text: text('cta_text', 50).openapi({ example: 'Buy Now!' }),
  aspect_ratio: z.enum(ASPECT_RATIOS, { error: `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}` }).default('9:16'),
  product_image: z
    .instanceof(Blob, { error: 'product_image must be a file' })
    .optional()
    .openapi({ type: 'string', format: 'binary', description: 'JPEG, PNG or WebP, at most 10 MB, type read from the content' }),
});

export const AcceptedSchema = z
  .object({ job_id: z.string().uuid(), status: z.literal('pending'), estimated_completion_time: z.number().int(), message: z.string() })
  .openapi('ProductAdAccepted');

export const StageSchema = z
  .object({
    id: z.number().int(),
    stage_name: z.enum(STAGES),
    status: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']),
    progress: z.number().int().min(0).max(100),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    error_message: z.string().nullable(),
  })
  .openapi('ProductAdStage');

export const JobSchema = z
  .object({
    job_id: z.string().uuid(),
    status: z.enum(JOB_STATUSES),
    progress: z.number().int().min(0).max(100).openapi({ description: 'Overall, 0–100, weighted by the stages’ typical durations; never goes back' }),
    created_at: z.string(),
    updated_at: z.string(),
    product_name: z.string(),
    style: z.string(),
    cta_text: z.string(),
    video_url: z.string().nullable(),
    thumbnail_url: z.string().nullable(),
    error_message: z.string().nullable(),
    cost_usd: z.number(),
    stages: z.array(StageSchema),
  })
  .openapi('ProductAdJob');

export const JobParamSchema = z.object({
  job_id: uuidField('job_id').openapi({ param: { name: 'job_id', in: 'path' } }),
});

export const ListQuerySchema = z.object({
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1, 'limit must be from 1 to 100').max(100, 'limit must be from 1 to 100').default(20),
  offset: z.coerce.number({ error: 'offset must be a number' }).int().min(0, 'offset must be 0 or more').max(1_000_000).default(0),
  status: z.enum(JOB_STATUSES, { error: `status must be one of ${JOB_STATUSES.join(', ')}` }).optional(),
});
