import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Config } from '../lib/config.js';
import { PROVIDER_QUEUES } from '../workflows/engine/provider-queues.js';
import { createFeedGenerationWorker } from './create-feed-worker.js';
import { createWorker } from './create-worker.js';
import { createProviderWorker } from './provider-workers.js';

export type WorkersConfig = Parameters<typeof createWorker>[0]['config'] &
  Parameters<typeof createFeedGenerationWorker>[0]['config'] &
  Parameters<typeof createProviderWorker>[0]['config'] &
  Pick<Config, 'WORKER_TASK_QUEUES'>;

/**
 * Every worker of one process, for the queues WORKER_TASK_QUEUES names: `main` (the workflows and
 * every activity), each provider's queue (its activities only, with its limits) and the feed's
 * renders, all beside `taskQueue` (default TEMPORAL_TASK_QUEUE). A queue whose activities
 * `activities` lacks gets no worker. Run them with runTogether. Throws when no queue is left to poll.
 */
export async function createWorkers(options: {
  config: WorkersConfig;
  connection: NativeConnection;
  activities: Activities;
  identity?: string;
  taskQueue?: string;
}): Promise<Worker[]> {
  const { config, connection, activities, identity } = options;
  const base = options.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const polled = new Set(config.WORKER_TASK_QUEUES);
  const shared = { connection, activities, ...(identity ? { identity } : {}) };
  const workers = await Promise.all([
    polled.has('main') ? createWorker({ ...shared, config, taskQueue: base }) : undefined,
    ...PROVIDER_QUEUES.map((provider) => (polled.has(provider) ? createProviderWorker({ ...shared, config, provider, baseTaskQueue: base }) : undefined)),
    polled.has('feed-generation') ? createFeedGenerationWorker({ ...shared, config: { ...config, TEMPORAL_TASK_QUEUE: base } }) : undefined,
  ]);
  const created = workers.filter((worker): worker is Worker => worker !== undefined);
  if (created.length === 0) throw new Error(`no worker to run: WORKER_TASK_QUEUES (${config.WORKER_TASK_QUEUES.join(',')}) names no queue this worker has activities for`);
  return created;
}

/** One entry per worker for the startup log: its queue and the limits it polls with (as the SDK compiled them). */
export function describeWorkers(workers: readonly Worker[]) {
  return workers.map(({ options }) => {
    const slots = options.tuner.activityTaskSlotSupplier;
    return {
      taskQueue: options.taskQueue,
      ...(options.maxTaskQueueActivitiesPerSecond !== undefined ? { maxActivitiesPerSecond: options.maxTaskQueueActivitiesPerSecond } : {}),
      ...(slots.type === 'fixed-size' ? { maxConcurrentActivities: slots.numSlots } : {}),
    };
  });
}
