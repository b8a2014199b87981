import type { Queryable } from '../../db/client.js';
import { ACTIVE_STATUSES, type JobStatus } from '../../workflows/closeup/contract.js';

export interface ActiveJob {
  id: number;
  status: JobStatus;
  workflowId: string;
  runId: string | null;
}

/** The user's one job that still holds their slot, if any. */
export async function findActiveJob(sql: Queryable, userId: string): Promise<ActiveJob | undefined> {
  const [row] = await sql<{ id: number; status: JobStatus; workflow_id: string; run_id: string | null }[]>`
    select id, status, workflow_id, run_id from video_jobs
    where user_id = ${userId} and status in ${sql(ACTIVE_STATUSES)}
    order by id desc limit 1`;
  return row ? { id: row.id, status: row.status, workflowId: row.workflow_id, runId: row.run_id } : undefined;
}
