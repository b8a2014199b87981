import { createRouter } from '../lib/router.js';
import * as handlers from './media.handlers.js';
import * as routes from './media.routes.js';

export const mediaRouter = createRouter();
mediaRouter.openAPIRegistry.registerPath(routes.getMedia);
mediaRouter.get('/media/:key{.+}', handlers.serveMedia);
