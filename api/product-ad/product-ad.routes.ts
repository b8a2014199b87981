import { createRoute, z } from '@hono/zod-openapi';
import { events as engineEvents } from '../jobs/stream.routes.js';
import { errorResponses } from '../lib/errors.js';
import { AcceptedSchema, GenerateFormSchema, JobParamSchema, JobSchema, ListQuerySchema } from './schemas.js';

/** The product-ad generator (../shared/seeds/product-ad-generator-api.md). Open like the seed; a Supabase token, when sent, makes the job the user's. */

const tags = ['Product ads'];

export const generate = createRoute({
  method: 'post',
  path: '/api/generate',
  operationId: 'createProductAdJob',
  security: [],
  tags,
  summary: 'Creates a product-ad job (script, voice-over, visuals, compositing)',
  request: { body: { content: { 'multipart/form-data': { schema: GenerateFormSchema } }, required: true } },
  responses: { 202: { description: 'Accepted', content: { 'application/json': { schema: AcceptedSchema } } }, ...errorResponses(400, 413, 415, 422, 503) },
});

export const get = createRoute({
  method: 'get',
  path: '/api/jobs/{job_id}',
  operationId: 'getProductAdJob',
  security: [],
  tags,
  summary: 'A job with its stages, overall progress, cost and (when completed) the video',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } }, ...errorResponses(400, 404) },
});

export const list = createRoute({
  method: 'get',
  path: '/api/jobs',
  operationId: 'listProductAdJobs',
  security: [],
  tags,
  summary: 'Jobs, newest first',
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: 'A page of jobs',
      content: { 'application/json': { schema: z.object({ jobs: z.array(JobSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).openapi('ProductAdJobPage') } },
    },
    ...errorResponses(400),
  },
});

export const cancel = createRoute({
  method: 'delete',
  path: '/api/jobs/{job_id}',
  operationId: 'cancelProductAdJob',
  security: [],
  tags,
  summary: 'Cancels a pending or processing job (running provider calls are cancelled)',
  request: { params: JobParamSchema },
  responses: { 200: { description: 'Cancelled', content: { 'application/json': { schema: JobSchema } } }, ...errorResponses(400, 404, 409) },
});

export const events = createRoute({
  ...engineEvents,
  path: '/api/jobs/{job}/events',
  operationId: 'streamProductAdJobEvents',
  security: [],
  tags,
  summary: 'Server-sent events: the job’s status and progress, replayable with Last-Event-ID',
  description: 'The engine’s job event stream (GET /api/v1/jobs/{job}/events) for a product-ad job; `job` is the job_id.',
});
