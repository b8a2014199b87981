import { requireAdmin } from '../lib/admin-auth.js';
import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './credits.handlers.js';
import * as routes from './credits.routes.js';

/** DUST credits, shared by every signed-in product that charges for jobs. */
export const creditsRouter = createRouter();
creditsRouter.use('/credits', requireUser());
creditsRouter.use('/api/v1/admin/credits/*', requireAdmin);
creditsRouter.openapi(routes.credits, handlers.credits).openapi(routes.grant, handlers.grant);
