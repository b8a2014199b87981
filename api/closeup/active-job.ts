import type { Queryable } from '../../db/client.js';
import { findSlotHolder } from '../../db/jobs/queries.js';
import { closeupConcurrencyKey, type JobStatus } from '../../workflows/closeup/contract.js';

export interface ActiveJob {
  id: number;
  status: JobStatus;
  workflowId: string;
  runId: string | null;
}

/** The user's one job that still holds their slot (from submission until `uploaded`), if any. */
export async function findActiveJob(sql: Queryable, userId: string): Promise<ActiveJob | undefined> {
  const job = await findSlotHolder(sql, closeupConcurrencyKey(userId));
  return job ? { id: job.id, status: job.status as JobStatus, workflowId: job.workflowId, runId: job.runId } : undefined;
}
