import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSql } from '../../db/client.js';
import { ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { ensureSearchAttributes } from '../../lib/temporal.js';
import { Connection } from '@temporalio/client';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { startMinio, type MinioServer } from '../../test/support/minio.js';
import { freePort } from '../../test/support/ports.js';
import { startPostgresCluster, type PostgresCluster } from './postgres.js';
import { startChaosProviders, type ChaosProviders } from './providers.js';
import { startApiProcess, workerPool, type ApiProcess, type WorkerPool } from './services.js';
import { startTemporalServer, type TemporalServer } from './temporal.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * Everything the chaos run starts, all its own, on free loopback ports under one scratch folder:
 * PostgreSQL, the Temporal dev server, MinIO, the provider fakes, the API and the worker. Nothing
 * of a developer's running stack (5432, 7233, 8000, .data/) is touched. teardown() stops it all.
 */
export interface ChaosWorld {
  config: Config;
  postgres: PostgresCluster;
  temporal: TemporalServer;
  providers: ChaosProviders;
  api: ApiProcess;
  workers: WorkerPool;
  teardown(): Promise<void>;
}

/** A binary the bootstrap builds into .tools/bin, or the path in `variable`. */
export function tool(variable: string, name: string): string {
  return process.env[variable] ?? join(root, '.tools/bin', name);
}

/** Creates and migrates the run's database and registers reelflow's search attributes in `namespace`. */
export async function prepareStores(databaseUrl: string, temporalAddress: string, namespace: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const migrator = createSql(databaseUrl, { max: 1 });
  await migrate(migrator).finally(() => migrator.end());
  const connection = await Connection.connect({ address: temporalAddress });
  await ensureSearchAttributes(connection, namespace).finally(() => connection.close());
}

/**
 * What every reelflow process of a run is given: its own PostgreSQL database, Temporal server,
 * S3 on MinIO, local text and speech, and the provider fakes; the API on `apiPort`.
 */
export function runEnv(options: {
  apiPort: number;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  minio: MinioServer;
  scratch: string;
  providers: ChaosProviders;
}): NodeJS.ProcessEnv {
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  return {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(options.apiPort),
    PUBLIC_BASE_URL: apiUrl,
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    WORKFLOW_BUNDLE_PATH: options.bundlePath,
    STORAGE_BACKEND: 's3',
    S3_ENDPOINT: options.minio.endpoint,
    S3_BUCKET: 'reelflow-chaos',
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: options.minio.accessKey,
    AWS_SECRET_ACCESS_KEY: options.minio.secretKey,
    MEDIA_ROOT: join(options.scratch, 'media'),
    PHOTO_VALIDATOR: 'local',
    LLM_PROVIDER: 'local',
    TTS_PROVIDER: 'local',
    TMPDIR: join(options.scratch, 'tmp'),
    ...options.providers.env,
  };
}

export async function startChaosWorld(options: { keepScratch?: boolean; say: (line: string) => void }): Promise<ChaosWorld> {
  const scratch = await mkdtemp(join(tmpdir(), 'reelflow-chaos-'));
  const stops: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => options.say(`teardown: ${error.message}`));
    if (!options.keepScratch) await rm(scratch, { recursive: true, force: true });
  };
  try {
    await mkdir(join(scratch, 'tmp'));
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const [postgres, temporal, minio, bundlePath] = await Promise.all([
      startPostgresCluster(join(scratch, 'pg'), pgPort),
      startTemporalServer({ cli: tool('TEMPORAL_CLI', 'temporal'), port: temporalPort, dbFile: join(scratch, 'temporal.db') }),
      startMinio({ bin: tool('MINIO_BIN', 'minio'), dataDir: join(scratch, 'minio') }),
      buildWorkflowBundle(join(scratch, 'workflow-bundle.js')),
    ]);
    stops.push(() => postgres.stop('fast'), () => temporal.stop(), () => (minio as MinioServer).stop());
    const databaseUrl = postgres.url('reelflow_chaos');
    await prepareStores(databaseUrl, temporal.address, 'default');
    options.say(`servers: PostgreSQL 127.0.0.1:${pgPort}, Temporal ${temporal.address}, MinIO ${minio.endpoint}, API ${apiUrl}; scratch ${scratch}`);

    const providers = await startChaosProviders({ apiUrl, scratch });
    stops.push(() => providers.close());
    const env: NodeJS.ProcessEnv = {
      ...runEnv({ apiPort, databaseUrl, temporalAddress: temporal.address, namespace: 'default', taskQueue: 'chaos', bundlePath, minio, scratch, providers }),
      // A killed worker's stage is retried elsewhere after this many seconds of silence.
      ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '4',
      MV_SYNC_TIMEOUT_SECONDS: '2',
      FEED_VIDEO_COST: '3',
      VIDEO_QUEUE_MAXSIZE: '200',
      VIDEO_MAX_CONCURRENT_GENERATIONS: '2',
    };
    const config = loadConfig(env);
    const workers = workerPool(env, join(scratch, 'workers.log'));
    await workers.start();
    stops.push(() => workers.stop());
    const api = await startApiProcess({ ...env, LOG_LEVEL: 'warn' }, apiUrl);
    stops.push(() => api.stop());
    return { config, postgres, temporal, providers, api, workers, teardown };
  } catch (error) {
    await teardown();
    throw error;
  }
}
