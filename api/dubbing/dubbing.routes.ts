import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import { CreateDubbingBodySchema, DubbingAcceptedSchema, DubbingJobSchema, JobParamSchema, TranscriptUploadedSchema } from './schemas.js';

/** Lip-sync dubbing of library videos: every route needs a Supabase access token. */

const tags = ['Dubbing'];
const security = [{ SupabaseToken: [] }];

export const create = createRoute({
  method: 'post',
  path: '/api/v1/jobs/create',
  operationId: 'createDubbingJob',
  tags,
  security,
  summary: 'Dubs a library video: the transcript spoken and lip-synced onto it (async)',
  description:
    'Exactly one of `video_upload_id` / `s3_video_id` and one of `transcript_text` / `transcript_upload_id` (400 with the seed’s messages otherwise). ' +
    'A video or transcript that is not the caller’s, or a deleted video, is 404. Debits DUBBING_COST DUST (refunded if the job fails or is cancelled); 402 when the balance is short. ' +
    'The dub becomes a new video in the caller’s library.',
  request: { body: { content: { 'application/json': { schema: CreateDubbingBodySchema } }, required: true } },
  responses: {
    202: { description: 'Accepted: follow status_url or events_url', content: { 'application/json': { schema: DubbingAcceptedSchema } } },
    ...errorResponses(400, 401, 402, 404, 415, 503),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/api/v1/jobs/{job_id}',
  operationId: 'getDubbingJob',
  tags,
  security,
  summary: 'A dubbing job’s status, stage, progress and (once completed) its library video',
  description: 'The caller’s own dubbing jobs only: any other id (another user’s job, another product’s, a numeric id) is 404.',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'The job', content: { 'application/json': { schema: DubbingJobSchema } } }, ...errorResponses(401, 404) },
});

export const cancel = createRoute({
  method: 'delete',
  path: '/api/v1/jobs/{job_id}',
  operationId: 'cancelDubbingJob',
  tags,
  security,
  summary: 'Cancels a queued or running dubbing job (a prediction is cancelled, the DUST refunded)',
  description: '409 once the job has ended — also when the dub already exists and is being saved, which a cancel no longer stops.',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'Cancelled: the job as it ended', content: { 'application/json': { schema: DubbingJobSchema } } }, ...errorResponses(401, 404, 409) },
});

export const uploadTranscript = createRoute({
  method: 'post',
  path: '/api/v1/upload/transcript',
  operationId: 'uploadDubbingTranscript',
  tags,
  security,
  summary: 'Uploads a transcript (UTF-8 text, at most 100 KB) for a later dubbing job',
  description:
    'Either multipart/form-data with the text file in `file`, or the text itself as a `text/plain` body. ' +
    '413 over 100 KB, 422 when the bytes are not UTF-8, 400 when it is empty (or only whitespace) or holds control characters such as NUL.',
  request: {
    body: {
      content: {
        // Documentation only: the handler reads either body itself, to decode its bytes strictly.
        'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary', description: 'The transcript, UTF-8 text' } }, required: ['file'] } },
        'text/plain': { schema: { type: 'string', example: 'Hello and welcome to our spring collection.' } },
      },
      required: false,
    },
  },
  responses: {
    201: { description: 'Stored: pass upload_id as transcript_upload_id', content: { 'application/json': { schema: TranscriptUploadedSchema } } },
    ...errorResponses(400, 401, 413, 415, 422),
  },
});
