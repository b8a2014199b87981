import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../lib/config.js';
import { createSql, type Sql } from '../../db/client.js';
import { createWorkers } from '../../worker/create-workers.js';
import { runTogether } from '../../worker/run-together.js';
import { pino, type Logger } from 'pino';
import { createActivities, type Activities } from '../../activities/index.js';
import { createProviders, type Providers } from '../../providers/index.js';

/** Config as a test process sees it: the run's Temporal server and database (see test/run.ts). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, ...overrides });
}

/** The real activities with the configured (local) providers; tests swap single providers for fakes. */
export async function testActivities(options: {
  sql: Sql;
  config?: Config;
  /** Replaces single providers; a function receives the configured ones (to wrap them). */
  providers?: Partial<Providers> | ((configured: Providers) => Partial<Providers>);
  logger?: Logger;
}): Promise<{ activities: Activities; providers: Providers }> {
  const config = options.config ?? testConfig();
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const configured = createProviders(config, { sql: options.sql, logger });
  const replaced = typeof options.providers === 'function' ? options.providers(configured) : options.providers;
  const providers = { ...configured, ...replaced };
  return { activities: await createActivities({ sql: options.sql, config, logger, providers, workerIdentity: 'test-worker' }), providers };
}

export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

export function testSql(config = testConfig()): Sql {
  return createSql(config.DATABASE_URL, { max: 5 });
}

export async function temporalClient(config = testConfig()): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

let runtimeInstalled = false;

/** The SDK's own logs at WARN, once per test process. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/**
 * Runs `body` while real workers, with the real workflow bundle, poll `taskQueue` and the provider
 * queues beside it (worker/create-workers.ts), as worker/main.ts runs them.
 */
export async function withWorker<T>(
  options: { config?: Config; taskQueue: string; activities: Activities },
  body: () => Promise<T>,
): Promise<T> {
  const config = options.config ?? testConfig();
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const workers = await createWorkers({ config, connection, activities: options.activities, taskQueue: options.taskQueue });
    const running = runTogether(workers);
    // As Worker.runUntil: a worker that fails (or stops) fails the body's wait too.
    const stopped = running.then(() => Promise.reject(new Error('the workers stopped before the test body ended')));
    stopped.catch(() => undefined);
    try {
      return await Promise.race([body(), stopped]);
    } finally {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

/**
 * Real workers a test can stop and start again (a crash, a deploy): `start()` once more after
 * `stop()`. As worker/main.ts: the main queue, the provider queues and the feed's renders.
 */
export function restartableWorker(config: Config, activities: Activities) {
  let running: { instances: Worker[]; done: Promise<unknown>; connection: NativeConnection } | undefined;
  return {
    async start(): Promise<void> {
      installQuietRuntime();
      const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const instances = await createWorkers({ config, connection, activities });
      running = { instances, connection, done: runTogether(instances) };
    },
    async stop(): Promise<void> {
      if (!running) return;
      const current = running;
      running = undefined;
      for (const instance of current.instances) if (instance.getState() === 'RUNNING') instance.shutdown();
      await current.done;
      await current.connection.close();
    },
  };
}
