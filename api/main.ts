import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createTemporalClient } from '../lib/temporal.js';
import { createSql } from '../db/client.js';
import { createApp } from './app.js';
import { refuseOutsideAppInErrorShape } from './lib/client-error.js';
import { createAppDeps } from './lib/deps.js';
import { followJobMetrics } from './metrics/job-metrics.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'api');
const sql = createSql(config.DATABASE_URL);
const temporal = createTemporalClient(config);
const deps = createAppDeps(config, { logger, sql, temporal });
const app = createApp(deps);
// Jobs started and ended and stage durations for GET /metrics, from every job's events (deps.hub.close() ends it).
followJobMetrics(deps);

// The server answers WebSocket upgrades through the app's routes (upgradeWebSocket from @hono/node-server).
const websocket = { server: new WebSocketServer({ noServer: true }) };
const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT, websocket }, (info) => {
  logger.info({ port: info.port }, `API listening on ${config.PUBLIC_BASE_URL}`);
});
// Node's default gives a whole request 5 minutes: a 500 MB library upload from a phone on a slow
// link needs longer. Headers still have to arrive within headersTimeout (60 s).
(server as Server).requestTimeout = 60 * 60 * 1000;
refuseOutsideAppInErrorShape(server as Server, app.fetch, config.HOST);
server.on('error', (error: NodeJS.ErrnoException) => {
  logger.fatal({ code: error.code }, `API cannot listen on ${config.HOST}:${config.PORT}: ${error.message}`);
  process.exit(1);
});

/** Stop taking connections, let in-flight requests finish, then close the pools. */
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API shutting down');
  const forced = setTimeout(() => process.exit(1), 10_000).unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Event streams never finish on their own: give requests in flight a moment, then drop the rest.
  const http = server as Server;
  http.closeIdleConnections();
  const dropStreams = setTimeout(() => http.closeAllConnections(), 3_000).unref();
  await closed;
  clearTimeout(dropStreams);
  await deps.hub.close().catch((error: unknown) => logger.warn({ err: error }, 'job events UNLISTEN failed'));
  await Promise.allSettled([sql.end({ timeout: 5 }), temporal.connection.close()]);
  clearTimeout(forced);
  logger.info('API stopped');
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
