import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Config } from '../lib/config.js';
import { SHARED_WORKER_OPTIONS } from './worker-options.js';
import { FEED_RENDER_ACTIVITY, feedGenerationTaskQueue } from '../workflows/feed/contract.js';

/**
 * The feed's generation worker: it polls only the feed's task queue (`<TEMPORAL_TASK_QUEUE>-feed-generation`),
 * runs only the render activity and no workflows, and takes at most VIDEO_MAX_CONCURRENT_GENERATIONS
 * renders at once — further renders wait in Temporal's queue, where a restart cannot lose them.
 * The bound is per worker process: run one such worker (worker/main.ts starts it beside the main
 * worker) for the bound to hold across the deployment. Undefined when `activities` lacks the render
 * (a worker built without the feed pipeline).
 */
export async function createFeedGenerationWorker(options: {
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'VIDEO_MAX_CONCURRENT_GENERATIONS'>;
  connection: NativeConnection;
  activities: Activities;
  identity?: string;
}): Promise<Worker | undefined> {
  const render = options.activities[FEED_RENDER_ACTIVITY];
  if (!render) return undefined;
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: feedGenerationTaskQueue(config.TEMPORAL_TASK_QUEUE),
    activities: { [FEED_RENDER_ACTIVITY]: render },
    ...(options.identity ? { identity: options.identity } : {}),
    maxConcurrentActivityTaskExecutions: config.VIDEO_MAX_CONCURRENT_GENERATIONS,
    ...SHARED_WORKER_OPTIONS,
  });
}
