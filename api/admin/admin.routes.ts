import { createRoute, z } from '@hono/zod-openapi';
import { JOB_STATUSES, STAGES } from '../../workflows/closeup/contract.js';
import { errorResponses } from '../lib/errors.js';

/** Date.parse takes 2026-02-30 (as 2 March), and PostgreSQL has no year 0: only days that exist. */
function isCalendarDay(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value && !value.startsWith('0000');
}

const day = (name: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be a date, YYYY-MM-DD`)
    .refine(isCalendarDay, `${name} must be a real date`)
    .optional()
    .openapi({ example: '2026-01-08', description: `${name === 'from_date' ? 'First' : 'Last'} day (IST), inclusive` });

export const ListQuerySchema = z.object({
  status: z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` }).optional(),
  from_date: day('from_date'),
  to_date: day('to_date'),
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be from 1 to 1000').max(1000, 'limit must be from 1 to 1000').default(100),
  offset: z.coerce.number({ error: 'offset must be a number' }).int('offset must be a whole number').min(0, 'offset must be 0 or more').default(0),
  failed_stage: z.enum(STAGES).optional(),
  last_error_code: z.string().max(100).optional(),
});

export const AdminJobSchema = z
  .object({
    id: z.number().int(),
    user_id: z.string(),
    mobile_number: z.string().openapi({ example: '9876543210' }),
    gender: z.string(),
    attribute_love: z.string(),
    relationship_status: z.string(),
    vibe: z.string(),
    status: z.enum(JOB_STATUSES),
    retry_count: z.number().int(),
    failed_stage: z.string().nullable(),
    last_error_code: z.string().nullable(),
    created_at: z.string().openapi({ example: '2026-01-08T14:30:00+05:30' }),
    updated_at: z.string(),
    temporal_url: z.string().openapi({ description: 'This job’s run in the Temporal Web UI' }),
  })
  .openapi('AdminJob');

const security = [{ AdminToken: [] }];

export const listJobs = createRoute({
  method: 'get',
  path: '/api/v1/video-jobs/list',
  operationId: 'listCloseupJobs',
  tags: ['Admin'],
  security,
  summary: 'Video jobs, newest first, with decrypted numbers and links to their Temporal runs',
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: 'Jobs',
      content: { 'application/json': { schema: z.object({ total: z.number().int(), jobs: z.array(AdminJobSchema) }).openapi('AdminJobList') } },
    },
    ...errorResponses(400, 401),
  },
});

export const updateJob = createRoute({
  method: 'patch',
  path: '/api/v1/video-jobs/update-job',
  operationId: 'updateCloseupJob',
  tags: ['Admin'],
  security,
  summary: 'Retries a failed job from its failed stage (status=queued) or cancels an active one (status=failed)',
  description:
    'status=queued on a failed job resets its workflow run to just before the failed stage (same inputs), retry_count + 1, error fields cleared; ' +
    '409 when the user has a newer active job (a reset would terminate it). status=failed on an active job cancels its workflow. Anything else: 400.',
  request: {
    query: z.object({
      job_id: z.coerce.number({ error: 'job_id must be a number' }).int().positive(),
      status: z.string({ error: 'status is required' }),
    }),
  },
  responses: {
    200: {
      description: 'Changed',
      content: {
        'application/json': {
          schema: z
            .object({ message: z.string(), job_id: z.number().int(), old_status: z.enum(JOB_STATUSES), new_status: z.enum(JOB_STATUSES), retry_count: z.number().int() })
            .openapi('JobStatusChange'),
        },
      },
    },
    ...errorResponses(400, 401, 404, 409),
  },
});
