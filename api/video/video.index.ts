import { createRouter } from '../lib/router.js';
import * as handlers from './video.handlers.js';
import * as routes from './video.routes.js';

export const videoRouter = createRouter()
  .openapi(routes.submit, handlers.submit)
  .openapi(routes.getJob, handlers.getJob)
  .openapi(routes.jobEvents, handlers.jobEvents);
