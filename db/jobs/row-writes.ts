import type postgres from 'postgres';
import type { Queryable, Tx } from '../client.js';
import { JOB_STORE_ERRORS, type JobAsset, type JobRef, type JobWriter, type StageChange } from './types.js';

/**
 * The job row's writes inside a transaction that holds it (db/jobs/store.ts is their one caller):
 * the lock and the writer check, the next event, assets, a stage change and a slot reclaimed.
 */

export const JOB_EVENTS_CHANNEL = 'job_events';

/** Error code a job carries when it lost its slot to a reset of an earlier job's workflow. */
export const SUPERSEDED_BY_RESET = 'SUPERSEDED_BY_RESET';

/** A workflow tried to write a job it was not started for (e.g. a stale history against a new database). */
export class ForeignJobWriteError extends Error {
  override readonly name = 'ForeignJobWriteError';
  readonly code = JOB_STORE_ERRORS.foreignWrite;
}

export interface LockedJob {
  id: number;
  key: string;
  status: string;
  stage: string | null;
  workflow_id: string;
  origin_run_id: string | null;
  run_id: string | null;
  run_write_seq: number | null;
  child_workflow_ids: string[];
  concurrency_key: string | null;
  holds_slot: boolean;
  failed_stage: string | null;
  error_code: string | null;
}

type EventInput = { kind: 'status' | 'progress'; status: string; stage: string | null; progress?: number | null; detail?: Record<string, unknown> | null };

export const json = (tx: Queryable, detail: Record<string, unknown> | null | undefined) => (detail ? tx.json(detail as postgres.JSONValue) : null);

/** Appends the job's next event and notifies listeners (delivered when the transaction commits). */
export async function appendEvent(tx: Queryable, jobId: number, event: EventInput): Promise<number> {
  const [row] = await tx<{ seq: number }[]>`
    with bumped as (update jobs set event_seq = event_seq + 1 where id = ${jobId} returning event_seq),
    added as (
      insert into job_events (job_id, seq, kind, status, stage, progress, detail)
      select ${jobId}, event_seq, ${event.kind}, ${event.status}, ${event.stage}, ${event.progress ?? null}, ${json(tx, event.detail)} from bumped
      returning seq
    )
    select seq, pg_notify(${JOB_EVENTS_CHANNEL}, ${jobId} || ':' || seq) from added`;
  if (!row) throw new Error(`job ${jobId} does not exist`);
  return row.seq;
}

/** Upserts the job's assets, sent together (pipelined on the transaction's connection, in order). */
export async function putAssets(tx: Queryable, jobId: number, assets: JobAsset[] | undefined): Promise<void> {
  await Promise.all(
    (assets ?? []).map(
      (asset) => tx`
        insert into job_assets (job_id, kind, storage_key) values (${jobId}, ${asset.kind}, ${asset.key})
        on conflict (job_id, kind) do update set storage_key = excluded.storage_key, created_at = now()`,
    ),
  );
}

/** The job's row, locked until the transaction ends (NO KEY UPDATE: its events may still reference it). */
export async function lockJob(tx: Tx, jobId: number): Promise<LockedJob | undefined> {
  const [job] = await tx<LockedJob[]>`
    select id, key, status, stage, workflow_id, origin_run_id, run_id, run_write_seq, child_workflow_ids, concurrency_key, holds_slot, failed_stage, error_code
    from jobs where id = ${jobId} for no key update`;
  return job;
}

/**
 * Locks the job and checks that `writer` may write it: the key it was started with matches, and
 * it is the job's workflow (same run chain — a reset keeps it) or a child workflow the job
 * registered. Anything else throws ForeignJobWriteError and leaves the row untouched.
 */
export async function lockForWriter(tx: Tx, ref: JobRef, writer: JobWriter): Promise<LockedJob> {
  const job = await lockJob(tx, ref.id);
  const isMain = job?.workflow_id === writer.workflowId && (job.origin_run_id === null || job.origin_run_id === writer.originRunId);
  const isChild = job?.child_workflow_ids.includes(writer.workflowId) ?? false;
  if (!job || job.key !== ref.key || !(isMain || isChild)) {
    throw new ForeignJobWriteError(
      `workflow ${writer.workflowId} (run ${writer.runId}) may not write job ${ref.id}: ${!job ? 'no such job' : job.key !== ref.key ? 'the job was created for another workflow (its key differs)' : 'not one of its workflows'}`,
    );
  }
  if (isMain && job.origin_run_id === null) await tx`update jobs set origin_run_id = ${writer.originRunId} where id = ${ref.id}`;
  return job;
}

/**
 * A numbered write (JobWriter.writeSeq) from the run that already applied a later one: an attempt
 * that landed late, e.g. a local activity re-run after a replay while its first attempt still
 * waited for the row. Applying it would move the job back.
 */
export function isStale(job: LockedJob, writer: JobWriter): boolean {
  return writer.writeSeq !== undefined && job.workflow_id === writer.workflowId && job.run_id === writer.runId && job.run_write_seq !== null && writer.writeSeq < job.run_write_seq;
}

/**
 * `run_id` and `run_write_seq` after a write by `writer` (an update's SET items): the job's own
 * workflow names its current run and that run's last numbered write; a child workflow changes neither.
 */
export function runColumns(tx: Queryable, writer: JobWriter) {
  const writeSeq = writer.writeSeq ?? null;
  return tx`
    run_write_seq = case when workflow_id <> ${writer.workflowId} then run_write_seq
                    when run_id = ${writer.runId} then coalesce(${writeSeq}::integer, run_write_seq)
                    else ${writeSeq}::integer end,
    run_id = case when workflow_id = ${writer.workflowId} then ${writer.runId} else run_id end`;
}

/** One recordStage change, on `tx` (which holds the job's row from here on). */
export async function applyStageChange(tx: Tx, ref: JobRef, writer: JobWriter, change: StageChange): Promise<void> {
  const job = await lockForWriter(tx, ref, writer);
  if (isStale(job, writer)) return;
  if (change.withinStage !== undefined && change.withinStage !== job.stage) return;
  const status = change.status ?? job.status;
  const stage = change.stage === undefined ? job.stage : change.stage;
  // A cost is kept in its event's detail: a repeated write finds that event last and adds nothing.
  const detail = change.costUsd ? { ...change.detail, cost_usd: change.costUsd } : change.detail;
  if (status === job.status && stage === job.stage && !change.assets?.length) {
    if (!detail) return;
    const [last] = await tx<{ same: boolean }[]>`
      select status = ${status} and stage is not distinct from ${stage} and detail = ${json(tx, detail)}::jsonb as same
      from job_events where job_id = ${ref.id} order by seq desc limit 1`;
    if (last?.same) return;
  }
  const reviving = job.status === 'failed' && status !== 'failed';
  if (reviving && writer.workflowId === job.workflow_id && !change.releaseSlot) await reclaimSlot(tx, job);
  // The row, its assets and its event sent together: one round trip of the transaction's
  // connection instead of one each. postgres.js pipelines them in the order they start
  // (execute() starts the row's update before the others).
  const row = tx`
    update jobs set status = ${status}, stage = ${stage},
           progress = ${stage === job.stage && !reviving ? tx`progress` : tx`0`},
           cost_usd = cost_usd + ${change.costUsd ?? 0},
           holds_slot = holds_slot and not ${change.releaseSlot ?? false},
           ${reviving ? tx`retry_count = retry_count + 1, failed_stage = null, error_code = null, error_message = null, failed_workflow_id = null,` : tx``}
           ${runColumns(tx, writer)},
           updated_at = now()
    where id = ${ref.id}`.execute();
  await Promise.all([row, putAssets(tx, ref.id, change.assets), appendEvent(tx, ref.id, { kind: 'status', status, stage, detail: detail ?? null })]);
}

/**
 * Takes the job's slot back when a reset revives it: the reset terminated whichever run held the
 * slot, so that job is failed as superseded (with its own event) first.
 */
export async function reclaimSlot(tx: Tx, job: LockedJob): Promise<void> {
  if (job.holds_slot || job.concurrency_key === null) return;
  const superseded = await tx<{ id: number; status: string; stage: string | null }[]>`
    update jobs set status = 'failed', failed_stage = coalesce(stage, status), error_code = ${SUPERSEDED_BY_RESET},
           error_message = 'its workflow run was terminated by a reset of an earlier job', holds_slot = false, updated_at = now()
    where concurrency_key = ${job.concurrency_key} and holds_slot and id <> ${job.id}
    returning id, status, stage`;
  for (const other of superseded) await appendEvent(tx, other.id, { kind: 'status', status: 'failed', stage: other.stage, detail: { code: SUPERSEDED_BY_RESET } });
  await tx`update jobs set holds_slot = true where id = ${job.id}`;
}
