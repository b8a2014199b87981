import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import { AnswerSchema, MobileNumberSchema } from '../lib/fields.js';
import { JobViewSchema } from '../closeup/job-view.js';

export const GENDERS = ['male', 'female', 'other'] as const;

export const SubmitFormSchema = z.object({
  mobile_number: MobileNumberSchema,
  gender: z
    .string({ error: 'gender is required' })
    .trim()
    .toLowerCase()
    .pipe(z.enum(GENDERS, { error: `must be one of ${GENDERS.join(', ')}` }))
    .openapi({ type: 'string', enum: [...GENDERS], example: 'male' }),
  attribute_love: AnswerSchema('attribute_love').openapi({ example: 'Smile' }),
  relationship_status: AnswerSchema('relationship_status').openapi({ example: 'Dating' }),
  vibe: AnswerSchema('vibe').openapi({ example: 'Romance' }),
  photo: z.instanceof(Blob, { error: 'a photo file is required' }).openapi({
    type: 'string',
    format: 'binary',
    description: 'The selfie: JPEG, PNG or WebP, at most 10 MB, type read from the content.',
  }),
});

export const SubmitResponseSchema = z
  .object({
    status: z.enum(['otp_sent', 'pending', 'video_created']),
    message: z.string(),
    job_id: z.number().int(),
    mobile_number: z.string().openapi({ example: '9876543210' }),
    tracking_token: z.string().optional().openapi({
      description: 'Reads this job (GET /api/v1/video/jobs/{job_id}). Absent on `pending`: knowing a number must not reveal its job.',
    }),
    retry_after_seconds: z.number().int().optional().openapi({ description: 'On `otp_sent` when no new code could be sent yet; the previous code stays valid.' }),
  })
  .openapi('SubmitResponse');

export const submit = createRoute({
  method: 'post',
  path: '/api/v1/video/submit',
  operationId: 'submitCloseupVideo',
  security: [],
  tags: ['Video'],
  summary: 'Submits the form: starts a video job, or asks for an OTP, or reports the job already in progress',
  description:
    '`otp_sent`: new or unverified number, a code was texted (a re-submission while the OTP is pending replaces the form and photo of the same job). ' +
    '`video_created`: verified number, the job is queued. `pending`: the number already has a job in progress.',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: SubmitFormSchema } } } },
  responses: {
    200: { description: 'Submission outcome', content: { 'application/json': { schema: SubmitResponseSchema } } },
    ...errorResponses(400, 413, 415, 422, 429, 503),
  },
});

const JobParams = z.object({
  job_id: z.coerce.number({ error: 'job_id must be a number' }).int().positive().openapi({ param: { name: 'job_id', in: 'path' }, example: 123 }),
});
const TrackingQuery = z.object({
  tracking_token: z.string().optional().openapi({ description: 'The token from the submit response (or send X-Tracking-Token)' }),
});
const TrackingHeaders = z.object({ 'x-tracking-token': z.string().optional() });
/** The job's tracking token, in the header or the query (either will do). */
const trackingTokenSecurity: Record<string, string[]>[] = [{ TrackingToken: [] }, { TrackingQueryToken: [] }];

export const getJob = createRoute({
  method: 'get',
  path: '/api/v1/video/jobs/{job_id}',
  operationId: 'getCloseupJob',
  security: trackingTokenSecurity,
  tags: ['Video'],
  summary: 'A job’s status, its stage timeline (IST) and, once uploaded, its video URL',
  request: { params: JobParams, query: TrackingQuery, headers: TrackingHeaders },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: JobViewSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

export const jobEvents = createRoute({
  method: 'get',
  path: '/api/v1/video/jobs/{job_id}/events',
  operationId: 'streamCloseupJobEvents',
  security: trackingTokenSecurity,
  tags: ['Video'],
  summary: 'Server-sent events: the job view on every change, until the job ends',
  description: 'Each `job` event carries a JobView. The stream closes after `sent`, `failed` or `otp_expired`. EventSource cannot set headers: pass `tracking_token` as a query parameter.',
  request: { params: JobParams, query: TrackingQuery, headers: TrackingHeaders },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(400, 401, 404),
  },
});
