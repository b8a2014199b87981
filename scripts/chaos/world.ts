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

function tool(variable: string, name: string): string {
  return process.env[variable] ?? join(root, '.tools/bin', name);
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
    await ensureDatabase(databaseUrl);
    const migrator = createSql(databaseUrl, { max: 1 });
    await migrate(migrator).finally(() => migrator.end());
    const connection = await Connection.connect({ address: temporal.address });
    await ensureSearchAttributes(connection, 'default').finally(() => connection.close());
    options.say(`servers: PostgreSQL 127.0.0.1:${pgPort}, Temporal ${temporal.address}, MinIO ${minio.endpoint}, API ${apiUrl}; scratch ${scratch}`);

    const providers = await startChaosProviders({ apiUrl, scratch });
    stops.push(() => providers.close());
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_BASE_URL: apiUrl,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'chaos',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      STORAGE_BACKEND: 's3',
      S3_ENDPOINT: minio.endpoint,
      S3_BUCKET: 'reelflow-chaos',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
      MEDIA_ROOT: join(scratch, 'media'),
      PHOTO_VALIDATOR: 'local',
      LLM_PROVIDER: 'local',
      TTS_PROVIDER: 'local',
      // A killed worker's stage is retried elsewhere after this many seconds of silence.
      ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '4',
      MV_SYNC_TIMEOUT_SECONDS: '2',
      FEED_VIDEO_COST: '3',
      VIDEO_QUEUE_MAXSIZE: '200',
      VIDEO_MAX_CONCURRENT_GENERATIONS: '2',
      TMPDIR: join(scratch, 'tmp'),
      ...providers.env,
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
