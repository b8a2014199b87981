import { z } from '@hono/zod-openapi';
import { CONTROL_CHARACTERS, uuidField } from '../lib/fields.js';
import { ASPECT_RATIOS, DURATIONS, GENERATION_TYPES, JOB_STATUSES, RESOLUTIONS, WEBHOOK_EVENTS } from '../../workflows/generation/contract.js';

/** Request and response shapes of ../shared/seeds/async-generation-api.md (extra fields allowed, none renamed). */

const oneOf = <T extends string>(field: string, values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `${field} must be one of ${values.join(', ')}` });

const uuid = (field: string) => uuidField(field);

const prompt = z
  .string({ error: (issue) => (issue.input === undefined ? 'prompt is required' : 'prompt must be a string') })
  .trim()
  .min(1, 'prompt must not be empty')
  .max(2000, 'prompt must be at most 2000 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'prompt must not contain control characters')
  .openapi({ example: 'A cat playing piano in a jazz club' });

/** Fields both kinds share; unknown fields are ignored, as the seed's clients send extras. */
const common = {
  user_id: uuid('user_id').optional().openapi({ description: 'When given, must be the signed-in user' }),
  prompt,
  duration: oneOf('duration', Object.keys(DURATIONS) as ['short', 'medium', 'long']).default('short').openapi({ description: 'short=5s, medium=10s, long=15s' }),
  resolution: oneOf('resolution', Object.keys(RESOLUTIONS) as ['sd_480p', 'hd_720p', 'hd_1080p', '4k_2160p']).default('hd_720p'),
  camera_fixed: z.boolean({ error: 'camera_fixed must be true or false' }).default(false),
  webhook_url: z.url({ protocol: /^https?$/, error: 'webhook_url must be an http(s) URL' }).max(2048).optional(),
  webhook_events_filter: z
    .array(oneOf('webhook_events_filter', WEBHOOK_EVENTS))
    .min(1, 'webhook_events_filter must name at least one event')
    .default(['completed'])
    .openapi({ description: 'Which events POST to webhook_url: start, completed (the default)' }),
};

export const GenerateBodySchema = z
  .object({
    ...common,
    aspect_ratio: oneOf('aspect_ratio', ASPECT_RATIOS).default('16:9'),
    reference_person: z
      .object({ person_id: uuid('reference_person.person_id'), relationship: z.string().trim().min(1).max(100) })
      .nullable()
      .optional(),
  })
  .openapi('GenerateVideoRequest');

export const AnimateBodySchema = z
  .object({
    ...common,
    image_url: z.url({ protocol: /^https?$/, error: 'image_url must be an http(s) URL' }).max(2048).openapi({ example: 'https://example.com/image.jpg' }),
    aspect_ratio: oneOf('aspect_ratio', ASPECT_RATIOS).default('16:9'),
  })
  .openapi('AnimateImageRequest');

export type GenerateBody = z.infer<typeof GenerateBodySchema>;
export type AnimateBody = z.infer<typeof AnimateBodySchema>;

export const JobAcceptedSchema = z
  .object({
    success: z.literal(true),
    job_id: z.string().uuid(),
    status: oneOf('status', JOB_STATUSES).openapi({ description: '`queued` for a new job; its current status when an Idempotency-Key replays it' }),
    estimated_completion_seconds: z.number().int(),
    message: z.string(),
  })
  .openapi('GenerationJobAccepted');

export const UserVideoSchema = z
  .object({
    id: z.string().uuid(),
    user_id: z.string(),
    url: z.string().openapi({ description: 'Signed, expiring link minted for this response' }),
    thumbnail_url: z.string(),
    prompt: z.string(),
    generation_type: oneOf('generation_type', GENERATION_TYPES),
    source_image_url: z.string().nullable(),
    duration_seconds: z.number(),
    resolution: z.string(),
    aspect_ratio: z.string(),
    reference_person: z.object({ person_id: z.string(), relationship: z.string() }).nullable(),
    metadata: z.record(z.string(), z.unknown()),
    is_favorited: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('UserVideo');

export const JobStatusSchema = z
  .object({
    success: z.literal(true),
    job_id: z.string().uuid(),
    status: oneOf('status', JOB_STATUSES),
    progress: z.number().min(0).max(1).openapi({ description: '0.0 to 1.0, never going backwards' }),
    generation_info: z.object({ current_step: z.string(), estimated_remaining_seconds: z.number().int() }),
    queue_position: z.number().int().optional().openapi({ description: 'While queued: 1 is next' }),
    error: z.string().optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('GenerationJobStatus');

export const JobResultSchema = z
  .union([
    z.object({
      success: z.literal(true),
      video: UserVideoSchema,
      generation_info: z.object({ model_used: z.string(), generation_time_ms: z.number().int() }),
    }),
    z.object({ success: z.literal(false), job_id: z.string().uuid(), status: z.string(), error: z.string() }),
    z.object({ success: z.literal(true), job_id: z.string().uuid(), status: z.string(), message: z.string() }),
  ])
  .openapi('GenerationJobResult');

export const JobCancelledSchema = z
  .object({ success: z.literal(true), job_id: z.string().uuid(), status: z.literal('cancelled'), message: z.string() })
  .openapi('GenerationJobCancelled');

export const ActiveJobsSchema = z
  .object({
    success: z.literal(true),
    active_jobs: z.array(
      z.object({
        job_id: z.string().uuid(),
        status: z.string(),
        generation_type: oneOf('generation_type', GENERATION_TYPES),
        created_at: z.string(),
        estimated_completion_seconds: z.number().int(),
      }),
    ),
    count: z.number().int(),
  })
  .openapi('GenerationActiveJobs');

export const JobParamSchema = z.object({
  job_id: uuid('job_id').openapi({ param: { name: 'job_id', in: 'path' }, example: '0b8f6a3e-6c1d-4d8e-9a51-3f2a1c9e7b10' }),
});
