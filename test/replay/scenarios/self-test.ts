import { randomUUID } from 'node:crypto';
import { selfTestWorkflow } from '../../../workflows/self-test.js';
import { temporalClient, testActivities, testSql, uniqueTaskQueue, withWorker } from '../../support/harness.js';
import type { Recorded } from './recording.js';

/** The self-test: its one activity on a real worker. */
export async function recordSelfTest(): Promise<Recorded[]> {
  const sql = testSql();
  const client = await temporalClient();
  try {
    const taskQueue = uniqueTaskQueue('self-test');
    const id = randomUUID();
    const workflowId = `self-test-${id}`;
    await withWorker({ taskQueue, activities: (await testActivities({ sql })).activities }, async () => {
      await client.workflow.execute(selfTestWorkflow, { taskQueue, workflowId, args: [{ id, requestedAt: new Date().toISOString() }] });
    });
    return [{ scenario: 'completed', workflowId }];
  } finally {
    await client.connection.close();
    await sql.end();
  }
}
