import { createRouter } from '../lib/router.js';
import * as handlers from './mv.handlers.js';
import * as routes from './mv.routes.js';

/** The MV endpoints: config flavors, scenes, character references, scene clips and their jobs. */
export const mvRouter = createRouter()
  .openapi(routes.flavors, handlers.flavors)
  .openapi(routes.scenes, handlers.scenes)
  .openapi(routes.characterReference, handlers.characterReference)
  .openapi(routes.video, handlers.video)
  .openapi(routes.job, handlers.job);
