import { hostname, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { ensureSearchAttributes } from '../lib/temporal.js';
import { createSql } from '../db/client.js';
import { createActivities } from '../activities/index.js';
import { createProviders, describeProviders } from '../providers/index.js';
import { S3Storage } from '../providers/storage/s3.js';
import { createWorkers, describeWorkers } from './create-workers.js';
import { runTogether } from './run-together.js';
import { installWorkerRuntime } from './runtime.js';
import { sweepStaleScratch } from '../lib/scratch.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'worker');
const metricsAddress = installWorkerRuntime(config, logger);

const identity = `${process.pid}@${hostname()}`;
let stopping = false;
process.once('SIGINT', () => (stopping = true));
process.once('SIGTERM', () => (stopping = true));

/** Waits for the Temporal server, saying each time that it is the part that is down. */
async function connect(): Promise<NativeConnection | undefined> {
  for (let delay = 1000; !stopping; delay = Math.min(delay * 2, 15_000)) {
    try {
      return await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    } catch (error) {
      logger.error({ address: config.TEMPORAL_ADDRESS, reason: (error as Error).message }, `Temporal server unreachable at ${config.TEMPORAL_ADDRESS}; retrying in ${delay / 1000}s`);
      await sleep(delay);
    }
  }
  return undefined;
}

const swept = await sweepStaleScratch(tmpdir());
if (swept.length > 0) logger.info({ swept }, 'removed scratch folders of killed activity attempts');

const sql = createSql(config.DATABASE_URL);
const connection = await connect();
if (connection) {
  try {
    // Idempotent; a namespace whose attributes are managed elsewhere only earns a warning.
    await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).then(
      (added) => added.length > 0 && logger.info({ added }, 'registered search attributes'),
      (error: Error) => logger.warn({ reason: error.message }, 'could not register search attributes'),
    );
    const providers = createProviders(config, { sql, logger });
    if (providers.storage instanceof S3Storage) {
      // Development and the compose stack start with an empty MinIO; production buckets already exist.
      await providers.storage.ensureBucket().catch((error: Error) => logger.warn({ reason: error.message }, `could not ensure bucket ${config.S3_BUCKET}`));
    }
    const activities = await createActivities({ sql, config, logger, providers, workerIdentity: identity });
    // The main queue, each rate-limited provider's and the feed's renders, as WORKER_TASK_QUEUES selects.
    const workers = await createWorkers({ config, connection, identity, activities });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, queues: describeWorkers(workers), identity, providers: describeProviders(providers), metrics: metricsAddress && `http://${metricsAddress}/metrics` }, 'worker started');
    await runTogether(workers);
    logger.info('worker stopped');
  } catch (error) {
    logger.fatal({ err: error }, `worker failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await connection.close();
  }
}
await sql.end({ timeout: 5 });
