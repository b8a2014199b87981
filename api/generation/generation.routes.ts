import { createRoute, z } from '@hono/zod-openapi';
import { events as engineEvents } from '../jobs/stream.routes.js';
import { errorResponses } from '../lib/errors.js';
import {
  ActiveJobsSchema,
  AnimateBodySchema,
  GenerateBodySchema,
  JobAcceptedSchema,
  JobCancelledSchema,
  JobParamSchema,
  JobResultSchema,
  JobStatusSchema,
} from './schemas.js';

/** The generation product (../shared/seeds/async-generation-api.md): every route needs a Supabase access token. */

const tags = ['Generation'];
const security = [{ SupabaseToken: [] }];

const acceptHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255, 'Idempotency-Key must be at most 255 characters').optional().openapi({
    description: 'The same key and body return the same job (one debit); another body → 422; while the first request is in flight → 409',
  }),
  prefer: z.string().max(100).optional().openapi({ description: '`wait=N` (N ≤ 60): answer 200 with the completed result if the job finishes within N seconds' }),
});

const acceptResponses = {
  202: { description: 'Accepted: poll the status', content: { 'application/json': { schema: JobAcceptedSchema } } },
  200: { description: 'With `Prefer: wait=N`, the job ended in time: its result (completed, failed or cancelled)', content: { 'application/json': { schema: JobResultSchema } } },
  ...errorResponses(400, 401, 402, 403, 409, 422, 503),
};
const acceptDescription = 'Debits the kind’s DUST price on acceptance (refunded if the job fails or is cancelled); 402 when the balance is short.';

export const generate = createRoute({
  method: 'post',
  path: '/videos/generate',
  operationId: 'generateVideo',
  tags,
  security,
  summary: 'Generate a video from text (async)',
  description: acceptDescription,
  request: { body: { content: { 'application/json': { schema: GenerateBodySchema } }, required: true }, headers: acceptHeaders },
  responses: acceptResponses,
});

export const animate = createRoute({
  method: 'post',
  path: '/videos/animate',
  operationId: 'animateImage',
  tags,
  security,
  summary: 'Animate an image into a video (async)',
  description: acceptDescription,
  request: { body: { content: { 'application/json': { schema: AnimateBodySchema } }, required: true }, headers: acceptHeaders },
  responses: acceptResponses,
});

export const status = createRoute({
  method: 'get',
  path: '/videos/jobs/{job_id}/status',
  operationId: 'getGenerationJobStatus',
  tags,
  security,
  summary: 'A job’s status, progress and estimate',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'The status', content: { 'application/json': { schema: JobStatusSchema } } }, ...errorResponses(400, 401, 403, 404) },
});

export const result = createRoute({
  method: 'get',
  path: '/videos/jobs/{job_id}/result',
  operationId: 'getGenerationJobResult',
  tags,
  security,
  summary: 'A job’s result: the video when completed, the error when failed, else still processing',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'The result', content: { 'application/json': { schema: JobResultSchema } } }, ...errorResponses(400, 401, 403, 404) },
});

export const cancel = createRoute({
  method: 'delete',
  path: '/videos/jobs/{job_id}',
  operationId: 'cancelGenerationJob',
  tags,
  security,
  summary: 'Cancels a queued or running job (the prediction is cancelled, the DUST refunded)',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'Cancelled', content: { 'application/json': { schema: JobCancelledSchema } } }, ...errorResponses(400, 401, 403, 404, 409) },
});

export const active = createRoute({
  method: 'get',
  path: '/videos/jobs/active',
  operationId: 'listActiveGenerationJobs',
  tags,
  security,
  summary: 'The caller’s queued and running jobs',
  responses: { 200: { description: 'Active jobs', content: { 'application/json': { schema: ActiveJobsSchema } } }, ...errorResponses(401) },
});

const { since, 'last-event-id': lastEventId } = { ...engineEvents.request.query.shape, ...engineEvents.request.headers.shape };

export const events = createRoute({
  method: 'get',
  path: '/videos/jobs/{job}/events',
  operationId: 'streamGenerationJobEvents',
  tags,
  // EventSource cannot send headers: the token may come in the query instead.
  security: [...security, { SupabaseQueryToken: [] }],
  summary: 'Server-sent events: the job’s status and progress, live, until it ends',
  description:
    'The engine’s job event stream (see GET /api/v1/jobs/{job}/events: `event: status|progress`, `id: <seq>`, resumes after Last-Event-ID, 204 once the client has the last event) ' +
    'for the caller’s own job; `job` is the job_id. A browser’s EventSource cannot send Authorization: it passes the access token as `?access_token=`.',
  request: {
    params: z.object({ job: z.string().openapi({ param: { name: 'job', in: 'path' }, description: 'The job_id (UUID)', example: '0b8f5c1e-3f7a-4d2b-9c61-0a4e8d2f7b13' }) }),
    query: z.object({
      since,
      access_token: z.string().optional().openapi({ description: 'The Supabase access token, for clients that cannot send `Authorization: Bearer` (EventSource); the header wins when both are sent' }),
    }),
    headers: z.object({ 'last-event-id': lastEventId }),
  },
  responses: { ...engineEvents.responses, ...errorResponses(400, 401, 403, 404) },
});
