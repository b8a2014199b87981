import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { temporalClient, testActivities, testConfig, testSql, uniqueTaskQueue, withWorker } from '../test/support/harness.js';
import { selfTestWorkflow } from './self-test.js';

describe('self-test workflow', () => {
  const config = testConfig();
  const sql = testSql(config);
  after(() => sql.end());

  it('runs its activity on a real worker and leaves the result in PostgreSQL', async () => {
    const client = await temporalClient(config);
    const taskQueue = uniqueTaskQueue('self-test');
    const id = randomUUID();
    const result = await withWorker({ taskQueue, activities: (await testActivities({ sql })).activities }, async () => {
      const handle = await client.workflow.start(selfTestWorkflow, { taskQueue, workflowId: `self-test-${id}`, args: [{ id, requestedAt: new Date().toISOString() }] });
      return { output: await handle.result(), runId: handle.firstExecutionRunId };
    });
    await client.connection.close();

    assert.equal(result.output.id, id);
    const [row] = await sql`select worker_identity, workflow_run_id from self_tests where id = ${id}`;
    assert.equal(row?.worker_identity, 'test-worker');
    assert.equal(row?.workflow_run_id, result.runId);
  });
});
