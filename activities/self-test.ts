import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client.js';

export interface SelfTestRecord {
  id: string;
  workerIdentity: string;
  workflowRunId: string;
  recordedAt: string;
}

export function createSelfTestActivities(deps: { sql: Sql; workerIdentity: string }) {
  return {
    /** Idempotent: a retried attempt returns the row the first attempt wrote. */
    async recordSelfTest(request: { id: string; requestedAt: string }): Promise<SelfTestRecord> {
      const runId = Context.current().info.workflowExecution?.runId;
      if (!runId) throw new Error('recordSelfTest runs only inside a workflow');
      await deps.sql`
        insert into self_tests (id, worker_identity, workflow_run_id, requested_at)
        values (${request.id}, ${deps.workerIdentity}, ${runId}, ${request.requestedAt})
        on conflict (id) do nothing`;
      const [row] = await deps.sql<{ worker_identity: string; workflow_run_id: string; recorded_at: Date }[]>`
        select worker_identity, workflow_run_id, recorded_at from self_tests where id = ${request.id}`;
      if (!row) throw new Error(`self test ${request.id} was not recorded`);
      return {
        id: request.id,
        workerIdentity: row.worker_identity,
        workflowRunId: row.workflow_run_id,
        recordedAt: row.recorded_at.toISOString(),
      };
    },
  };
}

export type SelfTestActivities = ReturnType<typeof createSelfTestActivities>;
