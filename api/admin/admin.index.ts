import { requireAdmin } from '../lib/admin-auth.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './admin.handlers.js';
import * as routes from './admin.routes.js';

export const adminRouter = createRouter();
adminRouter.use('/api/v1/video-jobs/*', requireAdmin);
adminRouter.openapi(routes.listJobs, handlers.listJobs).openapi(routes.updateJob, handlers.updateJob);
