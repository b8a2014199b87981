import { createRoute, z } from '@hono/zod-openapi';
import { isJobRef } from '../jobs/job-access.js';
import { JobStreamEventSchema } from '../jobs/stream.routes.js';
import { errorResponses } from '../lib/errors.js';

const security = [{ AdminToken: [] }];

export const AdminEngineJobSchema = z
  .object({
    id: z.number().int(),
    key: z.string().uuid().openapi({ description: 'The job’s UUID (what UUID-keyed products show as job_id)' }),
    pipeline: z.string().openapi({ example: 'closeup' }),
    owner: z.string().nullable(),
    status: z.string(),
    stage: z.string().nullable(),
    progress: z.number().openapi({ description: 'Progress within the current stage, 0–1' }),
    failed_stage: z.string().nullable(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    retry_count: z.number().int(),
    cost_usd: z.number(),
    workflow_id: z.string(),
    run_id: z.string().nullable(),
    temporal_url: z.string().openapi({ description: 'The job’s run in the Temporal Web UI' }),
    created_at: z.string().openapi({ example: '2026-01-08T09:00:00.000Z' }),
    updated_at: z.string(),
  })
  .openapi('AdminEngineJob');

const instant = (name: string) =>
  z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), `${name} must be an ISO date or date-time`)
    .optional()
    .openapi({ example: '2026-01-08T00:00:00Z' });

export const ListQuerySchema = z.object({
  pipeline: z.string().max(64).optional(),
  status: z.string().max(64).optional(),
  owner: z.string().max(200).optional(),
  failed_stage: z.string().max(64).optional(),
  error_code: z.string().max(100).optional(),
  from: instant('from').openapi({ description: 'Created at or after this instant (a date alone: from that day’s start, UTC)' }),
  to: instant('to').openapi({ description: 'Created before this instant; a date alone includes that whole day (UTC)' }),
  cursor: z.string().max(200).optional().openapi({ description: 'next_cursor of the previous page' }),
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be from 1 to 500').max(500, 'limit must be from 1 to 500').default(50),
});

const JobParam = z.object({
  job: z.string().refine(isJobRef, 'must be a job id (a positive integer) or a job key (a UUID)').openapi({ param: { name: 'job', in: 'path' }, description: 'Numeric id or UUID key', example: '42' }),
});

const JobChangeSchema = z
  .object({ job_id: z.number().int(), old_status: z.string(), new_status: z.string(), retry_count: z.number().int() })
  .openapi('AdminJobChange');

export const listJobs = createRoute({
  method: 'get',
  path: '/api/v1/admin/jobs',
  operationId: 'listJobs',
  tags: ['Admin'],
  security,
  summary: 'Jobs of every pipeline, newest first, with filters and cursor pagination',
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: 'A page of jobs',
      content: { 'application/json': { schema: z.object({ jobs: z.array(AdminEngineJobSchema), next_cursor: z.string().nullable() }).openapi('AdminEngineJobPage') } },
    },
    ...errorResponses(400, 401),
  },
});

export const getJob = createRoute({
  method: 'get',
  path: '/api/v1/admin/jobs/{job}',
  operationId: 'getJobWithEvents',
  tags: ['Admin'],
  security,
  summary: 'One job with its whole event log',
  request: { params: JobParam },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: AdminEngineJobSchema.extend({ events: z.array(JobStreamEventSchema) }).openapi('AdminEngineJobDetail') } } },
    ...errorResponses(400, 401, 404),
  },
});

export const retryJob = createRoute({
  method: 'post',
  path: '/api/v1/admin/jobs/{job}/retry',
  operationId: 'retryJob',
  tags: ['Admin'],
  security,
  summary: 'Retries a failed job from its failed stage (workflow reset, same inputs)',
  description: '409 when the job is not failed or another run holds its workflow ID or slot; 400 when it failed before any stage began.',
  request: { params: JobParam },
  responses: { 200: { description: 'Retried', content: { 'application/json': { schema: JobChangeSchema } } }, ...errorResponses(400, 401, 404, 409) },
});

export const cancelJob = createRoute({
  method: 'post',
  path: '/api/v1/admin/jobs/{job}/cancel',
  operationId: 'cancelJob',
  tags: ['Admin'],
  security,
  summary: 'Cancels an active job: its workflow stops, the job ends failed with CANCELLED_BY_ADMIN',
  request: { params: JobParam },
  responses: { 200: { description: 'Cancelled', content: { 'application/json': { schema: JobChangeSchema } } }, ...errorResponses(400, 401, 404, 409) },
});
