import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './creation.handlers.js';
import * as routes from './creation.routes.js';

/** The feed's creation routes (create, recreate, sync-status), mounted on the feed router; all need a signed-in user. */
export const creationRouter = createRouter();
// POST only: GET /videos/create is the feed reads' /videos/{id} (a 404), anonymous allowed.
creationRouter.on('POST', ['/videos/create', '/videos/:id/recreate', '/videos/:id/sync-status'], requireUser());
creationRouter
  .openapi(routes.create, handlers.createVideo)
  .openapi(routes.recreate, handlers.recreateVideo)
  .openapi(routes.syncStatus, handlers.syncStatus);
