import type { RouteHandler } from '@hono/zod-openapi';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../lib/dependency-errors.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { checkReadiness } from './readiness.js';
import type { healthz, readyz } from './health.routes.js';

export const liveness: RouteHandler<typeof healthz, AppEnv> = (c) => c.json({ status: 'ok' as const }, 200);

export const readiness: RouteHandler<typeof readyz, AppEnv> = async (c) => {
  const checks = await checkReadiness(c.var.deps);
  const down = (['postgres', 'temporal'] as const).filter((name) => checks[name].status !== 'up');
  if (down.length > 0) {
    const reasons = down.map((name) => `${name} is down (${checks[name].reason})`).join('; ');
    c.header('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    throw new ApiError(503, 'ServiceUnavailable', reasons, { down, checks }, { retry_after_seconds: OUTAGE_RETRY_AFTER_SECONDS });
  }
  return c.json({ status: 'ready' as const, checks }, 200);
};
