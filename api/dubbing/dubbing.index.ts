import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './dubbing.handlers.js';
import * as routes from './dubbing.routes.js';

/**
 * The dubbing routes, all behind a Supabase access token. The middleware names exact paths: the
 * engine's /api/v1/jobs/{job}/events and /ws (read as the pipeline's canRead says) and the
 * library's other upload routes are not this router's.
 */
export const dubbingRouter = createRouter();
dubbingRouter.use('/api/v1/jobs/:job_id', requireUser());
dubbingRouter.use('/api/v1/upload/transcript', requireUser());
dubbingRouter
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.cancel, handlers.cancel)
  .openapi(routes.uploadTranscript, handlers.uploadTranscript);
