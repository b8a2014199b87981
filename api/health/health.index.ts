import { createRouter } from '../lib/router.js';
import * as handlers from './health.handlers.js';
import * as routes from './health.routes.js';

export const healthRouter = createRouter().openapi(routes.healthz, handlers.liveness).openapi(routes.readyz, handlers.readiness);
