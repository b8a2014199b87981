import { requireUser } from '../lib/require-user.js';
import { createRouter } from '../lib/router.js';
import * as videoHandlers from './video-upload.handlers.js';
import * as videoRoutes from './video-upload.routes.js';

/** The library's uploads (../shared/seeds/s3-video-library-api.md), all behind a Supabase access token. */
export const uploadsRouter = createRouter();
uploadsRouter.use('/api/v1/upload/*', requireUser());
uploadsRouter.openapi(videoRoutes.uploadVideo, videoHandlers.uploadVideo);
