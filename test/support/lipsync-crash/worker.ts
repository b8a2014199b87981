import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../../../lib/config.js';
import { createLipsyncActivities } from '../../../activities/closeup/lipsync.activities.js';
import { createHttpLipsyncGenerator } from '../../../providers/lipsync/http.js';
import { createStorage } from '../../../providers/storage/create-storage.js';

/**
 * A worker process for the lip-sync crash test: the real lip-sync activity with the HTTP adapter,
 * killed with SIGKILL by the test. Prints "ready" once it polls CRASH_TASK_QUEUE.
 */

const taskQueue = process.env.CRASH_TASK_QUEUE;
const bundlePath = process.env.CRASH_WORKFLOW_BUNDLE;
const tempRoot = process.env.CRASH_TEMP_ROOT;
if (!taskQueue || !bundlePath || !tempRoot) throw new Error('CRASH_TASK_QUEUE, CRASH_WORKFLOW_BUNDLE and CRASH_TEMP_ROOT are required');

const config = loadConfig(process.env);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue,
  workflowBundle: { codePath: bundlePath },
  activities: createLipsyncActivities({
    storage: createStorage(config),
    generator: createHttpLipsyncGenerator(config, { pollIntervalMs: 100, maxPollIntervalMs: 200 }),
    tempRoot,
  }),
  // No sticky cache: the workflow task after the activity must not wait for the dead worker's queue.
  maxCachedWorkflows: 0,
});
process.stdout.write('ready\n');
await worker.run();
