import { createRouter } from '../lib/router.js';
import * as handlers from './metrics.handlers.js';
import * as routes from './metrics.routes.js';

/** GET /metrics (Prometheus); its MetricsToken security scheme is registered here and merged into the app's document. */
export const metricsRouter = createRouter().openapi(routes.metrics, handlers.metrics);
metricsRouter.openAPIRegistry.registerComponent('securitySchemes', 'MetricsToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'METRICS_TOKEN (only when it is set)',
});
