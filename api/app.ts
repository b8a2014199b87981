import { HTTPException } from 'hono/http-exception';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { bodyLimits } from './lib/body-limits.js';
import { ApiError, STATUS_TYPES } from './lib/errors.js';
import { dependencyOutage, OUTAGE_RETRY_AFTER_SECONDS } from './lib/dependency-errors.js';
import { refuseNulCharacters } from './lib/no-nul.js';
import { createRouter } from './lib/router.js';
import { describeApi } from './openapi/describe.js';
import { serveDocs } from './openapi/viewer.js';
import type { AppDeps, AppOpenAPI } from './lib/types.js';
import { healthRouter } from './health/health.index.js';
import { mediaRouter } from './media/media.index.js';
import { adminJobsRouter } from './admin-jobs/admin-jobs.index.js';
import { jobStreamRouter } from './jobs/stream.index.js';
import { creditsRouter } from './credits/credits.index.js';
import { uploadsRouter } from './uploads/uploads.index.js';
import { VIDEO_UPLOAD_PATH } from './uploads/video-upload.routes.js';
import { libraryRouter } from './library/library.index.js';
import { feedRouter } from './feed/feed.index.js';
import { metricsRouter } from './metrics/metrics.index.js';
import { countRequests } from './metrics/http-metrics.js';
import { pagesRouter } from './pages/pages.index.js';

export { JSON_BODY_LIMIT, MULTIPART_BODY_LIMIT, TEXT_BODY_LIMIT, WEBHOOK_BODY_LIMIT } from './lib/body-limits.js';

/**
 * What a browser page may send and read cross-origin: the headers the routes take and answer — not
 * the feed's X-InstaVeo-* signature headers, since only a server-side caller can keep that secret.
 */
const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'prefer', 'last-event-id', 'x-tracking-token', 'x-request-id', 'x-session-id'];
const CORS_EXPOSE_HEADERS = ['preference-applied', 'www-authenticate', 'retry-after', 'x-request-id', 'ratelimit', 'ratelimit-policy', 'location'];

/**
 * CORS_ALLOWED_ORIGINS: `*` answers any origin (tokens travel in headers, never cookies, so no
 * credentials mode); a list answers only its origins; none (production's default) adds nothing.
 */
function corsFor(origins: readonly string[]) {
  if (origins.length === 0) return undefined;
  return cors({
    origin: origins.includes('*') ? '*' : (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  });
}

export function createApp(deps: AppDeps): AppOpenAPI {
  const app = createRouter();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    const logger = deps.logger.child({ requestId: c.var.requestId });
    c.set('deps', deps);
    c.set('logger', logger);
    await next();
    // The path only: query strings may carry tracking and access tokens.
    logger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.use(countRequests);
  // Before any route's auth (a preflight carries no token and must answer 204) and before the body
  // limits, so a page can read their 413 too.
  const allowOrigins = corsFor(deps.config.CORS_ALLOWED_ORIGINS);
  if (allowOrigins) app.use(allowOrigins);
  app.use(bodyLimits(new Set([VIDEO_UPLOAD_PATH])));
  app.use(refuseNulCharacters);

  app.route('/', healthRouter);
  app.route('/', metricsRouter);
  app.route('/', mediaRouter);
  app.route('/', adminJobsRouter);
  app.route('/', jobStreamRouter);
  app.route('/', creditsRouter);
  app.route(deps.config.FEED_BASE_PATH, feedRouter);
  app.route('/', uploadsRouter);
  app.route('/', libraryRouter);
  for (const pipeline of deps.pipelines) if (pipeline.router) app.route('/', pipeline.router);

  describeApi(app, deps.config);
  serveDocs(app);
  app.route('/', pagesRouter);

  app.notFound((c) => c.json(new ApiError(404, 'NotFound', `No route for ${c.req.method} ${c.req.path}`).toBody(), 404));

  app.onError((error, c) => {
    const outage = dependencyOutage(error);
    if (outage) {
      (c.var.logger ?? deps.logger).warn({ err: error, dependency: outage.dependency }, 'dependency unavailable');
      c.header('Retry-After', String(outage.retryAfterSeconds));
      return c.json(outage.toBody(), 503);
    }
    if (error instanceof ApiError) {
      // Every 503 tells the client when to come back, whoever raised it.
      if (error.statusCode === 503 && !c.res.headers.has('Retry-After')) c.header('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
      return c.json(error.toBody(), error.statusCode);
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      const type = status === 400 ? 'ValidationError' : (STATUS_TYPES[status] ?? 'Error');
      return c.json(new ApiError(status, type, error.message || type).toBody(), status);
    }
    (c.var.logger ?? deps.logger).error({ err: error }, 'unhandled error');
    return c.json(new ApiError(500, 'InternalError', 'Something went wrong on our side; it has been logged').toBody(), 500);
  });

  return app;
}
