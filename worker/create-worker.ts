import { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../lib/config.js';
import type { Activities } from '../activities/index.js';
import { bundleWorkflows } from './workflow-bundle.js';
import { SHARED_WORKER_OPTIONS } from './worker-options.js';

/**
 * A worker for the product's task queue. With WORKFLOW_BUNDLE_PATH it loads the prebuilt bundle
 * (production, tests); otherwise it bundles the workflow sources at start (development).
 */
export async function createWorker(options: {
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'WORKFLOW_BUNDLE_PATH' | 'WORKER_MAX_CACHED_WORKFLOWS'>;
  connection: NativeConnection;
  activities: Activities;
  identity?: string;
  taskQueue?: string;
}): Promise<Worker> {
  const { config } = options;
  const workflows = config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowBundle: { code: await bundleWorkflows() } };
  return Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities: options.activities,
    ...(options.identity ? { identity: options.identity } : {}),
    ...workflows,
    ...SHARED_WORKER_OPTIONS,
    // Thousands of jobs park on their OTP for minutes: bound the memory they hold.
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
}
