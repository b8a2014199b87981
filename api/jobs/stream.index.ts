import { createRouter } from '../lib/router.js';
import * as handlers from './stream.handlers.js';
import * as routes from './stream.routes.js';

/**
 * Live job events for every pipeline: SSE and WebSocket. The WebSocket route needs the server
 * built with a `ws` server (`serve({ ..., websocket: { server: new WebSocketServer({ noServer: true }) } })`,
 * see api/main.ts); without one its upgrade answers 500.
 */
export const jobStreamRouter = createRouter()
  .openapi(routes.events, handlers.events)
  .openapi(routes.socket, handlers.socket);
