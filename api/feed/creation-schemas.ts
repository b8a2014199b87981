import { z } from '@hono/zod-openapi';
import { CONTROL_CHARACTERS } from '../lib/fields.js';
import { FeedVideoSchema } from './schemas.js';

/** Request and answer shapes of the feed's creation endpoints (create, recreate, sync-status). */

export const CreateVideoBodySchema = z
  .object({
    prompt: z
      .string({ error: (issue) => (issue.input === undefined ? 'prompt is required' : 'prompt must be a string') })
      .trim()
      .min(1, 'prompt must not be empty')
      .max(2000, 'prompt must be at most 2000 characters')
      .refine((value) => !CONTROL_CHARACTERS.test(value), 'prompt must not contain control characters')
      .openapi({ example: 'A corgi surfing a wave at sunset', description: 'Trimmed; 1–2000 characters; tabs and line breaks allowed, other control characters not' }),
  })
  .openapi('CreateFeedVideoRequest');

export type CreateVideoBody = z.infer<typeof CreateVideoBodySchema>;

export const VideoParamSchema = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The feed video’s id (UUID)', example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }),
});

/** What sync-status learned about the video's job besides the stored video. */
export const JobSyncSchema = z
  .object({
    status: z.string().openapi({ description: 'The job’s status (pending, processing, completed, failed)' }),
    stage: z.string().nullable().openapi({ description: '`generate` or `finish`' }),
    progress: z.number().min(0).max(1).openapi({ description: 'Within the stage, 0.0–1.0' }),
    workflowStatus: z.string().nullable().openapi({ description: 'Its Temporal workflow’s status as asked now (RUNNING, COMPLETED, FAILED, TERMINATED, …); null when Temporal did not answer' }),
    render: z
      .object({
        state: z.enum(['waiting', 'running']).openapi({ description: '`waiting` for a render slot on the feed’s queue, or `running`' }),
        attempt: z.number().int(),
      })
      .nullable()
      .openapi({ description: 'The render activity while it is pending in Temporal; null otherwise' }),
    providerStatus: z
      .object({ predictionId: z.string(), status: z.string() })
      .nullable()
      .openapi({ description: 'GENERATION_PROVIDER=http: the prediction and its status as the running render last polled it (its heartbeat); null otherwise' }),
  })
  .openapi('FeedVideoJobSync');

export const SyncedVideoSchema = FeedVideoSchema.extend({
  failureReason: z.string().nullable().openapi({ description: 'Why the video failed; null unless `status` is failed' }),
  job: JobSyncSchema.nullable().openapi({ description: 'Its job as asked now; null when the video has no job any more' }),
}).openapi('SyncedFeedVideo');
