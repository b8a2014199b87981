import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';

const CheckSchema = z
  .object({
    status: z.enum(['up', 'down', 'unknown']),
    latency_ms: z.number().optional(),
    reason: z.string().optional(),
  })
  .openapi('DependencyCheck');

export const ReadinessSchema = z
  .object({
    status: z.literal('ready'),
    checks: z.object({ postgres: CheckSchema, temporal: CheckSchema, worker: CheckSchema }),
  })
  .openapi('Readiness');

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'checkLiveness',
  security: [],
  tags: ['Health'],
  summary: 'Liveness: the API process answers',
  responses: {
    200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
    // As on every route: a NUL character (%00) in the path or query.
    ...errorResponses(400),
  },
});

export const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'checkReadiness',
  security: [],
  tags: ['Health'],
  summary: 'Readiness: PostgreSQL and Temporal answer; reports whether a worker polls the task queue',
  description:
    'Answers 503 with Retry-After naming the dependencies that are down (the message, and `details.down`: `postgres`, `temporal`) beside every check (`details.checks`). The worker check is informational: submissions are accepted and queued while no worker runs.',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    ...errorResponses(400, 503),
  },
});
