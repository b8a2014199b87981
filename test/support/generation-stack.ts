import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { createSql, type Sql } from '../../db/client.js';
import { dropDatabase, ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { signAccessToken } from '../../lib/auth/development-token.js';
import type { Config } from '../../lib/config.js';
import type { Providers } from '../../providers/index.js';
import { serveWithSockets } from './job-streams.js';
import { scriptedGenerator } from './scripted-generator.js';
import { restartableWorker, temporalClient, testActivities, testConfig, testSql, uniqueTaskQueue } from './harness.js';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The generation product in one test process: the real Hono app served over loopback HTTP, a real worker on its own task
 * queue, real PostgreSQL, the configured (local: ffmpeg) providers — the generator steered by
 * prompt markers (scriptedGenerator). `as(user)` makes a client signed in with a development token.
 */
export async function startGenerationStack(
  options: {
    env?: Record<string, string>;
    providers?: (configured: Providers) => Partial<Providers>;
    worker?: boolean;
    /** A migrated database of its own, dropped by stop(): for tests of bounds that count every user's rows (the feed's queue). */
    ownDatabase?: boolean;
  } = {},
) {
  const database = options.ownDatabase ? await privateDatabase() : undefined;
  // A short heartbeat timeout: a cancel reaches a running generation within about a second.
  const config: Config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('generation'),
    ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '3',
    ...(database ? { DATABASE_URL: database } : {}),
    ...options.env,
  });
  const sql: Sql = testSql(config);
  const { activities, providers } = await testActivities({
    sql,
    config,
    providers: (configured) => ({ videoGenerator: scriptedGenerator(configured.videoGenerator), ...options.providers?.(configured) }),
  });
  const temporal = await temporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal, storage: providers.storage, photoValidator: providers.photoValidator });
  const app = createApp(deps);
  // Real HTTP on a loopback port, as clients reach the API.
  const served = await serveWithSockets(app);
  const worker = restartableWorker(config, activities);
  if (options.worker !== false) await worker.start();

  async function call<T = Record<string, unknown>>(path: string, init: RequestInit = {}): Promise<Reply<T>> {
    const response = await fetch(`${served.url}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  /** A client signed in as `userId` (a fresh user by default). */
  async function as(userId: string = randomUUID()) {
    const token = await signAccessToken({ secret: config.SUPABASE_JWT_SECRET!, userId, audience: config.SUPABASE_JWT_AUDIENCE });
    const auth = { authorization: `Bearer ${token}` };
    return {
      userId,
      token,
      get: <T = Record<string, unknown>>(path: string) => call<T>(path, { headers: auth }),
      delete: <T = Record<string, unknown>>(path: string) => call<T>(path, { method: 'DELETE', headers: auth }),
      send: <T = Record<string, unknown>>(method: 'POST' | 'PUT', path: string, body: unknown, headers: Record<string, string> = {}) =>
        call<T>(path, { method, body: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json', ...headers } }),
      /** POST /videos/generate with a short 480p default body. */
      generate: (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
        call('/videos/generate', { method: 'POST', body: JSON.stringify({ prompt: 'A cat playing piano in a jazz club', duration: 'short', resolution: 'sd_480p', ...body }), headers: { ...auth, 'content-type': 'application/json', ...headers } }),
      async balance(): Promise<number> {
        const reply = await call<{ balance: number }>('/credits', { headers: auth });
        return reply.body.balance;
      },
      /** Polls the status endpoint until the job reaches one of `statuses`. */
      async waitFor(jobId: string, statuses: string[], timeoutMs = 60_000): Promise<Record<string, unknown>> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const reply = await call<Record<string, unknown>>(`/videos/jobs/${jobId}/status`, { headers: auth });
          if (statuses.includes(String(reply.body?.status))) return reply.body;
          if (Date.now() > deadline) throw new Error(`job ${jobId} is ${JSON.stringify(reply.body)}, never reached ${statuses.join('/')}`);
          await sleep(100);
        }
      },
    };
  }

  return {
    config,
    sql,
    temporal,
    app,
    /** The API's base URL (http://127.0.0.1:<port>), and its WebSocket base (ws://…). */
    url: served.url,
    wsUrl: served.wsUrl,
    providers,
    worker,
    as,
    admin: (method: string, target: string, body?: unknown) =>
      call(target, { method, headers: { authorization: `Bearer ${config.ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    async stop() {
      await served.close();
      await worker.stop();
      await deps.hub.close();
      await temporal.connection.close();
      await sql.end();
      if (database) await dropDatabase(database);
    },
  };
}

/** A fresh, migrated database beside the run's (same server, a random suffix); its URL. */
async function privateDatabase(): Promise<string> {
  const url = new URL(testConfig().DATABASE_URL);
  url.pathname = `${url.pathname}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(url.toString());
  const sql = createSql(url.toString(), { max: 1 });
  await migrate(sql).finally(() => sql.end());
  return url.toString();
}

export type GenerationStack = Awaited<ReturnType<typeof startGenerationStack>>;
export type GenerationClient = Awaited<ReturnType<GenerationStack['as']>>;
