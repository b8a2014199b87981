import { z } from '@hono/zod-openapi';
import { MAX_SCENES, MIN_SCENES } from '../../lib/mv/flavor-schema.js';
import { MV_PROJECT_PATTERN } from '../../providers/storage/keys.js';
import { JOB_STATUSES } from '../../workflows/mv/contract.js';
import { uuidField } from '../lib/fields.js';

/** Shapes of the MV endpoints (../shared/seeds/product-ad-generator-api.md, "Music Video (MV) Pipeline"); extra fields allowed, none renamed. */

/** A required free-text field: trimmed, 1–`max` characters. */
const prose = (field: string, max: number) =>
  z
    .string({ error: `${field} is required and must be text` })
    .trim()
    .min(1, `${field} cannot be empty`)
    .max(max, `${field} must be at most ${max} characters`);

/** The clip lengths the generation port makes, seconds. */
export const CLIP_SECONDS = [5, 10, 15] as const;

/** The shortest clip length that covers `seconds` (8 → 10). */
export const clipSeconds = (seconds: number): (typeof CLIP_SECONDS)[number] => CLIP_SECONDS.find((length) => seconds <= length) ?? 15;

export const FlavorQuerySchema = z.object({
  config_flavor: z
    .string()
    .max(64, 'config_flavor must be at most 64 characters')
    .optional()
    .openapi({ param: { name: 'config_flavor', in: 'query' }, example: 'example', description: 'A folder under MV_CONFIG_DIR; the default flavor when absent' }),
});

export const ScenesBodySchema = z.object({
  concept_prompt: prose('concept_prompt', 1000).openapi({ example: 'Robot exploring Austin, Texas' }),
  num_scenes: z
    .number({ error: 'num_scenes must be a number' })
    .int(`num_scenes must be a whole number from ${MIN_SCENES} to ${MAX_SCENES}`)
    .min(MIN_SCENES, `num_scenes must be from ${MIN_SCENES} to ${MAX_SCENES}`)
    .max(MAX_SCENES, `num_scenes must be from ${MIN_SCENES} to ${MAX_SCENES}`)
    .optional()
    .openapi({ example: 4, description: 'The flavor’s default_num_scenes when absent' }),
});

export const CharacterBodySchema = z.object({
  character_description: prose('character_description', 500).openapi({ example: 'Silver metallic humanoid robot' }),
});

export const VideoBodySchema = z.object({
  prompt: prose('prompt', 1500).openapi({ example: 'Robot walking through downtown' }),
  duration: z
    .number({ error: 'duration must be a number of seconds' })
    .positive('duration must be more than 0 seconds')
    .max(15, 'duration must be at most 15 seconds')
    .optional()
    .openapi({ example: 8, description: 'Seconds; the clip is 5, 10 or 15 s, the shortest that covers it (the flavor’s scene_duration when absent)' }),
  reference_image_s3_keys: z
    .array(z.string({ error: 'reference_image_s3_keys must hold s3_key strings' }).max(512, 'reference_image_s3_keys: a key is at most 512 characters'), { error: 'reference_image_s3_keys must be an array of s3_key strings' })
    .max(4, 'reference_image_s3_keys may hold at most 4 keys')
    .default([])
    .openapi({ example: ['mv/outputs/character_reference/character-….jpg'], description: 's3_key values from POST /api/mv/character-reference; the first is animated' }),
  project_id: z
    .string()
    .regex(MV_PROJECT_PATTERN, 'project_id must be 1–128 letters, digits, - or _')
    .optional()
    .openapi({ example: 'proj123', description: 'The folder mv/projects/<project_id>/scenes/; the job’s id when absent' }),
});

export const FlavorsSchema = z
  .object({
    flavors: z.array(z.string()),
    default_flavor: z.string().nullable(),
    broken: z.array(z.object({ name: z.string(), file: z.string(), reason: z.string() })).openapi({ description: 'Flavor folders that do not load, and why' }),
  })
  .openapi('MvConfigFlavors');

export const ScenesSchema = z
  .object({ scenes: z.array(z.object({ sequence: z.number().int(), prompt: z.string(), duration: z.number() })) })
  .openapi('MvScenes');

export const CharacterReferenceSchema = z.object({ image_url: z.string(), s3_key: z.string() }).openapi('MvCharacterReference');

export const VideoSchema = z.object({ video_url: z.string(), s3_key: z.string() }).openapi('MvVideo');

export const PendingSchema = z
  .object({ job_id: z.string().uuid(), status: z.enum(JOB_STATUSES), status_url: z.string() })
  .openapi('MvPending', { description: 'The job outlived MV_SYNC_TIMEOUT_SECONDS: poll status_url' });

export const JobParamSchema = z.object({
  job_id: uuidField('job_id').openapi({ param: { name: 'job_id', in: 'path' } }),
});

export const MvJobSchema = z
  .object({
    job_id: z.string().uuid(),
    task: z.enum(['scenes', 'character_reference', 'video']),
    status: z.enum(JOB_STATUSES),
    progress: z.number().int().min(0).max(100),
    created_at: z.string(),
    updated_at: z.string(),
    cost_usd: z.number(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    result: z.union([ScenesSchema, CharacterReferenceSchema, VideoSchema]).nullable().openapi({ description: 'When completed: the body the request would have answered' }),
  })
  .openapi('MvJob');

export type ScenesResult = z.infer<typeof ScenesSchema>;
export type CharacterReferenceResult = z.infer<typeof CharacterReferenceSchema>;
export type VideoResult = z.infer<typeof VideoSchema>;
export type Pending = z.infer<typeof PendingSchema>;
