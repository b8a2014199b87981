import { z } from '@hono/zod-openapi';
import { JOB_STATUSES, STAGES, TRANSCRIPT_MAX_CHARS, VOICES } from '../../workflows/dubbing/contract.js';
import { VideoSchema } from '../library/schemas.js';
import { CONTROL_CHARACTERS, uuidField } from '../lib/fields.js';

/**
 * Shapes of the dubbing endpoints: job creation as ../shared/seeds/s3-video-library-api.md
 * ("Usage in Job Creation") takes it — one video source, one transcript source — and the job's
 * status. Unknown fields are ignored; null counts as absent, as in the seed's Optional fields.
 */

const optionalId = (field: string) => uuidField(field).nullish();

export const CreateDubbingBodySchema = z
  .object({
    video_upload_id: optionalId('video_upload_id').openapi({ description: 'An upload_id from POST /api/v1/upload/video; or s3_video_id' }),
    s3_video_id: optionalId('s3_video_id').openapi({ description: 'The id of one of the caller’s library videos; or video_upload_id' }),
    transcript_text: z
      .string({ error: 'transcript_text must be text' })
      .trim()
      .min(1, 'transcript_text must not be empty')
      .max(TRANSCRIPT_MAX_CHARS, `transcript_text must be at most ${TRANSCRIPT_MAX_CHARS} characters`)
      .refine((text) => !CONTROL_CHARACTERS.test(text), 'transcript_text must not contain control characters')
      .nullish()
      .openapi({ description: 'What the video’s speaker is to say; or transcript_upload_id', example: 'Hello and welcome to our spring collection.' }),
    transcript_upload_id: optionalId('transcript_upload_id').openapi({ description: 'An upload_id from POST /api/v1/upload/transcript; or transcript_text' }),
    voice: z
      .enum(VOICES, { error: `voice must be one of ${VOICES.join(', ')}` })
      .nullish()
      .openapi({ description: 'The speaking voice; the configured default (GROQ_TTS_VOICE) when absent' }),
  })
  .openapi('DubbingJobRequest');

export type CreateDubbingBody = z.infer<typeof CreateDubbingBodySchema>;

const jobFields = {
  job_id: z.uuid().openapi({ description: 'The job’s key: GET /api/v1/jobs/{job_id}' }),
  source_video_id: z.uuid(),
  transcript_chars: z.number().int().openapi({ description: 'Characters of the transcript spoken' }),
  voice: z.enum(VOICES).nullable(),
  cost_dust: z.number().int().openapi({ description: 'DUST debited (DUBBING_COST); refunded if the job fails or is cancelled' }),
};

export const DubbingAcceptedSchema = z
  .object({
    ...jobFields,
    status: z.literal('queued'),
    status_url: z.string().openapi({ example: 'https://api.example.com/api/v1/jobs/0b8f6a3e-6c1d-4d8e-9a51-3f2a1c9e7b10' }),
    events_url: z.string().openapi({ description: 'Server-sent events of the job (`?access_token=` for EventSource)' }),
  })
  .openapi('DubbingJobAccepted');

export const DubbingJobSchema = z
  .object({
    ...jobFields,
    status: z.enum(JOB_STATUSES),
    stage: z.enum(STAGES).nullable().openapi({ description: 'speech → lipsync → finish; where it stopped for a failed or cancelled job' }),
    progress: z.number().min(0).max(1).openapi({ description: 'Overall, 0.0 to 1.0, never going backwards while the job runs' }),
    output_video: VideoSchema.nullable().openapi({ description: 'The dub in the caller’s library, once completed (null again if deleted from the library)' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable().openapi({ description: 'Why the job failed or was cancelled' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('DubbingJob');

export const JobParamSchema = z.object({
  job_id: z.string().max(100).openapi({ param: { name: 'job_id', in: 'path' }, description: 'The job_id (UUID) creation answered', example: '0b8f6a3e-6c1d-4d8e-9a51-3f2a1c9e7b10' }),
});

export const TranscriptUploadedSchema = z
  .object({
    upload_id: z.uuid().openapi({ description: 'Pass as transcript_upload_id to POST /api/v1/jobs/create' }),
    characters: z.number().int(),
  })
  .openapi('TranscriptUploaded');
