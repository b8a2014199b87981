import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as jobHandlers from './generation.handlers.js';
import * as jobRoutes from './generation.routes.js';
import * as videoHandlers from './videos.handlers.js';
import * as videoRoutes from './videos.routes.js';

/**
 * The generation product's routes, all behind a Supabase access token. `/videos/jobs/*` and
 * `/videos/stats` are registered before `/videos/{video_id}`, which would otherwise match them.
 */
export const generationRouter = createRouter();
// EventSource cannot send headers: the event stream also takes ?access_token= (registered first, so
// the generic middleware below finds the user set and passes).
generationRouter.use('/videos/jobs/:job/events', requireUser({ queryToken: true }));
generationRouter.use('/videos', requireUser());
generationRouter.use('/videos/*', requireUser());
generationRouter
  .openapi(jobRoutes.generate, jobHandlers.generate)
  .openapi(jobRoutes.animate, jobHandlers.animate)
  .openapi(jobRoutes.active, jobHandlers.active)
  .openapi(jobRoutes.status, jobHandlers.status)
  .openapi(jobRoutes.result, jobHandlers.result)
  .openapi(jobRoutes.events, jobHandlers.events)
  .openapi(jobRoutes.cancel, jobHandlers.cancel)
  .openapi(videoRoutes.stats, videoHandlers.stats)
  .openapi(videoRoutes.list, videoHandlers.list)
  .openapi(videoRoutes.get, videoHandlers.get)
  .openapi(videoRoutes.update, videoHandlers.update)
  .openapi(videoRoutes.remove, videoHandlers.remove);
