import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../lib/config.js';
import { selfTestWorkflow } from '../workflows/self-test.js';

/**
 * `npm run selftest`: starts a workflow through Temporal that a worker must pick up and record in
 * PostgreSQL; prints the round trip. Proves the running stack end to end.
 */
const config = loadConfigOrExit();
const started = performance.now();
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '3s' }).catch((error: Error) => {
  console.error(`selftest: Temporal is not answering at ${config.TEMPORAL_ADDRESS} (${error.message})`);
  process.exit(1);
});
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
const id = randomUUID();
const handle = await client.workflow.start(selfTestWorkflow, {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  workflowId: `self-test-${id}`,
  args: [{ id, requestedAt: new Date().toISOString() }],
  workflowExecutionTimeout: '30 seconds',
});
try {
  const record = await handle.result();
  console.log(`selftest: ok in ${Math.round(performance.now() - started)} ms — worker ${record.workerIdentity} recorded run ${record.workflowRunId} in PostgreSQL`);
} catch (error) {
  console.error(`selftest: failed — no worker finished the workflow within 30 s (is the worker running? ${(error as Error).message})`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
