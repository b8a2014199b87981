import type { Queryable } from '../client.js';
import type { JobEvent, JobRow } from './types.js';

/** Reads of the job read model, shared by every pipeline's API and the admin endpoints. */

/** Every column of `jobs`, named as JobRow names them. */
const JOB_COLUMNS = `id, key::text as key, pipeline, owner, status, stage, progress, failed_stage as "failedStage", error_code as "errorCode",
  error_message as "errorMessage", retry_count as "retryCount", cost_usd::float8 as "costUsd", workflow_id as "workflowId",
  origin_run_id as "originRunId", run_id as "runId", child_workflow_ids as "childWorkflowIds", failed_workflow_id as "failedWorkflowId",
  concurrency_key as "concurrencyKey", holds_slot as "holdsSlot", event_seq as "eventSeq", created_at as "createdAt", updated_at as "updatedAt"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job by its numeric id or its key (UUID), as whichever the caller's contract shows. */
export async function findJob(sql: Queryable, idOrKey: number | string): Promise<JobRow | undefined> {
  const text = String(idOrKey);
  const [row] = UUID.test(text)
    ? await sql<JobRow[]>`select ${sql.unsafe(JOB_COLUMNS)} from jobs where key = ${text}::uuid`
    : /^\d{1,15}$/.test(text)
      ? await sql<JobRow[]>`select ${sql.unsafe(JOB_COLUMNS)} from jobs where id = ${Number(text)}`
      : [];
  return row;
}

/** The job holding `concurrencyKey`'s slot, if any. */
export async function findSlotHolder(sql: Queryable, concurrencyKey: string): Promise<JobRow | undefined> {
  const [row] = await sql<JobRow[]>`select ${sql.unsafe(JOB_COLUMNS)} from jobs where concurrency_key = ${concurrencyKey} and holds_slot`;
  return row;
}

/** The job's events after `afterSeq`, oldest first. */
export async function eventsSince(sql: Queryable, jobId: number, afterSeq = 0): Promise<JobEvent[]> {
  const rows = await sql<{ seq: number; kind: JobEvent['kind']; status: string; stage: string | null; progress: number | null; detail: Record<string, unknown> | null; created_at: Date }[]>`
    select seq, kind, status, stage, progress, detail, created_at from job_events
    where job_id = ${jobId} and seq > ${afterSeq}
    order by seq`;
  return rows.map((row) => ({ jobId, seq: row.seq, kind: row.kind, status: row.status, stage: row.stage, progress: row.progress, detail: row.detail, createdAt: row.created_at }));
}

/** Storage keys of the job's assets by kind. */
export async function assetsOf(sql: Queryable, jobId: number, kinds?: readonly string[]): Promise<Record<string, string>> {
  const rows = await sql<{ kind: string; storage_key: string }[]>`
    select kind, storage_key from job_assets where job_id = ${jobId} ${kinds ? sql`and kind in ${sql(kinds)}` : sql``}`;
  return Object.fromEntries(rows.map((row) => [row.kind, row.storage_key]));
}

export interface JobListFilter {
  pipeline?: string;
  status?: string;
  owner?: string;
  failedStage?: string;
  errorCode?: string;
  /** Inclusive lower and exclusive upper bound of created_at. */
  createdFrom?: Date;
  createdBefore?: Date;
  /** Keyset position: jobs with a smaller id than this one (ids follow creation). */
  beforeId?: number;
  limit: number;
}

/** Jobs newest first (by id: ids are handed out as jobs are made), keyset-paginated on the id. */
export async function listJobs(sql: Queryable, filter: JobListFilter): Promise<JobRow[]> {
  const conditions = [
    filter.pipeline ? sql`pipeline = ${filter.pipeline}` : undefined,
    filter.status ? sql`status = ${filter.status}` : undefined,
    filter.owner ? sql`owner = ${filter.owner}` : undefined,
    filter.failedStage ? sql`failed_stage = ${filter.failedStage}` : undefined,
    filter.errorCode ? sql`error_code = ${filter.errorCode}` : undefined,
    filter.createdFrom ? sql`created_at >= ${filter.createdFrom}` : undefined,
    filter.createdBefore ? sql`created_at < ${filter.createdBefore}` : undefined,
    filter.beforeId ? sql`id < ${filter.beforeId}` : undefined,
  ].filter((condition) => condition !== undefined);
  const where = conditions.reduce((clause, condition) => sql`${clause} and ${condition}`, sql`true`);
  return sql<JobRow[]>`select ${sql.unsafe(JOB_COLUMNS)} from jobs where ${where} order by id desc limit ${filter.limit}`;
}
