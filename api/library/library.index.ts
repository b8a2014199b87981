import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as handlers from './library.handlers.js';
import * as routes from './library.routes.js';

/** The video library's reads and delete, all behind a Supabase access token. */
export const libraryRouter = createRouter();
libraryRouter.use('/api/v1/videos/s3-videos', requireUser());
libraryRouter.use('/api/v1/videos/s3-videos/*', requireUser());
libraryRouter.openapi(routes.list, handlers.list).openapi(routes.recent, handlers.recent).openapi(routes.remove, handlers.remove);
// A key spans several path segments: a plain route with a regex parameter, documented as {s3_key}.
libraryRouter.openAPIRegistry.registerPath(routes.byKey);
libraryRouter.get(routes.BY_KEY_ROUTING_PATH, handlers.byKey);
