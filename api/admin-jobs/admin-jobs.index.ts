import { requireAdmin } from '../lib/admin-auth.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './admin-jobs.handlers.js';
import * as routes from './admin-jobs.routes.js';

/** The engine's admin endpoints: every pipeline's jobs, retry and cancel. */
export const adminJobsRouter = createRouter();
adminJobsRouter.use('/api/v1/admin/*', requireAdmin);
adminJobsRouter
  .openapi(routes.listJobs, handlers.listJobs)
  .openapi(routes.getJob, handlers.getJob)
  .openapi(routes.retryJob, handlers.retryJob)
  .openapi(routes.cancelJob, handlers.cancelJob);
