import { createRouter } from '../lib/router.js';
import * as handlers from './product-ad.handlers.js';
import * as routes from './product-ad.routes.js';
import { jobSocket, socketHealth } from './socket.js';

/**
 * The product-ad generator's routes: REST and SSE (OpenAPI), and the seed's WebSocket
 * (`/ws/jobs/{job_id}`, `/ws/health`; the server must be built with a `ws` server, see api/main.ts).
 */
export const productAdRouter = createRouter()
  .openapi(routes.generate, handlers.generate)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.events, handlers.events)
  .openapi(routes.cancel, handlers.cancel);
productAdRouter.get('/ws/health', (c) => c.json(socketHealth()));
productAdRouter.get('/ws/jobs/:job_id', jobSocket);
