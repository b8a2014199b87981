import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../lib/types.js';

/** The route label of a request no route matched (404s of probes and typos: never the raw path). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Methods named as such; anything else (a fuzzer's `FOO`) is `other`, so labels stay few. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The pattern of the route that answers the request (`/api/v1/video/jobs/:job_id`): the last
 * matched route registered for a method. Middlewares (`use`) are registered for every method
 * (`ALL`) and never name a route.
 */
export function routePattern(c: Context): string {
  const route = matchedRoutes(c).findLast((candidate) => candidate.method !== 'ALL');
  return route?.path ?? UNMATCHED_ROUTE;
}

/**
 * Counts and times every request the app answers, by method, route pattern and status, into the
 * app's metrics. Registered before CORS and the body limits, so their answers (a preflight, a 413)
 * are counted too; errors reach it already answered by the app's onError, with their status.
 */
export const countRequests = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const { metrics } = c.var.deps;
  const labels = { method: KNOWN_METHODS.has(c.req.method) ? c.req.method : 'other', route: routePattern(c), status: String(c.res.status) };
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
});
