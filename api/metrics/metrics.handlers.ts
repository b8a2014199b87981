import type { RouteHandler } from '@hono/zod-openapi';
import { hasBearerToken } from '../lib/admin-auth.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './metrics.routes.js';

/** The app's series; with METRICS_TOKEN set, only for its bearer. */
export const metrics: RouteHandler<typeof routes.metrics, AppEnv> = async (c) => {
  const { config, metrics: series } = c.var.deps;
  if (config.METRICS_TOKEN !== undefined && !hasBearerToken(c, config.METRICS_TOKEN)) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'Unauthorized', 'GET /metrics needs the METRICS_TOKEN bearer token.');
  }
  const { body, contentType } = await series.scrape();
  return c.text(body, 200, { 'Content-Type': contentType });
};
