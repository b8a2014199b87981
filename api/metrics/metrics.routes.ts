import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';

export const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['Health'],
  summary: 'Prometheus metrics: requests, jobs, stage durations, live event streams, the process',
  description:
    'The Prometheus text exposition format. Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set (401 otherwise); open when it is not. The series are listed in the README.',
  security: [{ MetricsToken: [] }, {}],
  responses: {
    200: {
      description: 'The series, in Prometheus text format 0.0.4',
      content: {
        'text/plain': {
          schema: z.string().openapi({ example: '# HELP reelflow_jobs_started_total Jobs created\n# TYPE reelflow_jobs_started_total counter\nreelflow_jobs_started_total{pipeline="closeup"} 1\n' }),
        },
      },
    },
    ...errorResponses(401),
  },
});
