import type postgres from 'postgres';
import type { Queryable, Sql, Tx } from '../client.js';
import { JOB_STORE_ERRORS, type FailureRecord, type JobAsset, type JobRef, type JobWriter, type NewJob, type ProgressStep, type StageChange } from './types.js';

/**
 * The one writer of the job read model. Every change writes the job row, appends its event
 * (numbered per job) and notifies `job_events` with `<job id>:<seq>`, in one transaction, so a
 * live client sees every transition exactly when it is committed. Workflow writes (through the
 * job activities) are checked against the job's writers first; the API's writes (submission,
 * admin retry and cancel) are not: they run under the API's own checks.
 */

export const JOB_EVENTS_CHANNEL = 'job_events';

/** Error code a job carries when it lost its slot to a reset of an earlier job's workflow. */
export const SUPERSEDED_BY_RESET = 'SUPERSEDED_BY_RESET';

/** A workflow tried to write a job it was not started for (e.g. a stale history against a new database). */
export class ForeignJobWriteError extends Error {
  override readonly name = 'ForeignJobWriteError';
  readonly code = JOB_STORE_ERRORS.foreignWrite;
}

interface LockedJob {
  id: number;
  key: string;
  status: string;
  stage: string | null;
  workflow_id: string;
  origin_run_id: string | null;
  child_workflow_ids: string[];
  concurrency_key: string | null;
  holds_slot: boolean;
  failed_stage: string | null;
  error_code: string | null;
}

type EventInput = { kind: 'status' | 'progress'; status: string; stage: string | null; progress?: number | null; detail?: Record<string, unknown> | null };

const json = (tx: Queryable, detail: Record<string, unknown> | null | undefined) => (detail ? tx.json(detail as postgres.JSONValue) : null);

/** Appends the job's next event and notifies listeners (delivered when the transaction commits). */
async function appendEvent(tx: Queryable, jobId: number, event: EventInput): Promise<number> {
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
async function putAssets(tx: Queryable, jobId: number, assets: JobAsset[] | undefined): Promise<void> {
  await Promise.all(
    (assets ?? []).map(
      (asset) => tx`
        insert into job_assets (job_id, kind, storage_key) values (${jobId}, ${asset.kind}, ${asset.key})
        on conflict (job_id, kind) do update set storage_key = excluded.storage_key, created_at = now()`,
    ),
  );
}

/** The job's row, locked until the transaction ends (NO KEY UPDATE: its events may still reference it). */
async function lockJob(tx: Tx, jobId: number): Promise<LockedJob | undefined> {
  const [job] = await tx<LockedJob[]>`
    select id, key, status, stage, workflow_id, origin_run_id, child_workflow_ids, concurrency_key, holds_slot, failed_stage, error_code
    from jobs where id = ${jobId} for no key update`;
  return job;
}

/**
 * Locks the job and checks that `writer` may write it: the key it was started with matches, and
 * it is the job's workflow (same run chain — a reset keeps it) or a child workflow the job
 * registered. Anything else throws ForeignJobWriteError and leaves the row untouched.
 */
async function lockForWriter(tx: Tx, ref: JobRef, writer: JobWriter): Promise<LockedJob> {
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

/** One recordStage change, on `tx` (which holds the job's row from here on). */
async function applyStageChange(tx: Tx, ref: JobRef, writer: JobWriter, change: StageChange): Promise<void> {
  const job = await lockForWriter(tx, ref, writer);
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
           run_id = case when workflow_id = ${writer.workflowId} then ${writer.runId} else run_id end,
           updated_at = now()
    where id = ${ref.id}`.execute();
  await Promise.all([row, putAssets(tx, ref.id, change.assets), appendEvent(tx, ref.id, { kind: 'status', status, stage, detail: detail ?? null })]);
}

/**
 * Takes the job's slot back when a reset revives it: the reset terminated whichever run held the
 * slot, so that job is failed as superseded (with its own event) first.
 */
async function reclaimSlot(tx: Tx, job: LockedJob): Promise<void> {
  if (job.holds_slot || job.concurrency_key === null) return;
  const superseded = await tx<{ id: number; status: string; stage: string | null }[]>`
    update jobs set status = 'failed', failed_stage = coalesce(stage, status), error_code = ${SUPERSEDED_BY_RESET},
           error_message = 'its workflow run was terminated by a reset of an earlier job', holds_slot = false, updated_at = now()
    where concurrency_key = ${job.concurrency_key} and holds_slot and id <> ${job.id}
    returning id, status, stage`;
  for (const other of superseded) await appendEvent(tx, other.id, { kind: 'status', status: 'failed', stage: other.stage, detail: { code: SUPERSEDED_BY_RESET } });
  await tx`update jobs set holds_slot = true where id = ${job.id}`;
}

/** The advisory lock a job's creating transaction holds until it ends (see holdAcceptance). */
const acceptanceLock = (jobId: number) => `job-acceptance:${jobId}`;

export function createJobStore(sql: Sql) {
  return {
    /**
     * Held by the transaction that creates a job and starts its workflow (in that order or the
     * other): the workflow's first activity (awaitAcceptance) waits until the transaction ended.
     */
    async holdAcceptance(tx: Tx, jobId: number): Promise<void> {
      await tx`select pg_advisory_xact_lock(hashtextextended(${acceptanceLock(jobId)}, 0))`;
    },

    /** Waits for the creating transaction (holdAcceptance) to end; whether it committed the job. */
    async awaitAcceptance(jobId: number): Promise<boolean> {
      return sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtextextended(${acceptanceLock(jobId)}, 0))`;
        return (await tx`select 1 from jobs where id = ${jobId}`).length > 0;
      });
    },

    /** A fresh id and key for a job about to be created (storage keys, workflow inputs need them first). */
    async reserve(): Promise<JobRef> {
      const [row] = await sql<{ id: number; key: string }[]>`select nextval(pg_get_serial_sequence('jobs', 'id'))::bigint as id, gen_random_uuid()::text as key`;
      if (!row) throw new Error('no job id from the sequence');
      return row;
    },

    /** Whether this database's sequence has handed out `id` (a workflow may create only such a job). */
    async wasReserved(id: number): Promise<boolean> {
      const [row] = await sql<{ reserved: boolean }[]>`select ${id} <= coalesce(pg_sequence_last_value(pg_get_serial_sequence('jobs', 'id')::regclass), 0) as reserved`;
      return row?.reserved === true;
    },

    /**
     * Creates the job with its first event, unless it exists. Returns whether this call created it.
     * With a concurrency key the job takes its slot; a unique violation (23505) means another job holds it.
     * The row, its assets and its first event (seq 1, notified) are one statement: one round trip.
     */
    async create(tx: Tx, job: NewJob): Promise<{ created: boolean; ref: JobRef }> {
      // One row per kind, the last one given winning, as one write per asset would leave it.
      const assets = [...new Map((job.assets ?? []).map((asset) => [asset.kind, asset.key]))];
      const [row] = await tx<{ id: number; key: string }[]>`
        with created as (
          insert into jobs ${tx({
            ...(job.id === undefined ? {} : { id: job.id }),
            ...(job.key === undefined ? {} : { key: job.key }),
            pipeline: job.pipeline,
            owner: job.owner,
            status: job.status,
            stage: job.stage ?? null,
            workflow_id: job.workflowId,
            origin_run_id: job.originRunId ?? null,
            run_id: job.runId ?? null,
            concurrency_key: job.concurrencyKey ?? null,
            holds_slot: Boolean(job.concurrencyKey),
            event_seq: 1,
          })}
          on conflict (id) do nothing
          returning id, key
        ), assets as (
          insert into job_assets (job_id, kind, storage_key)
          select created.id, asset.kind, asset.storage_key
          from created, unnest(${assets.map(([kind]) => kind)}::text[], ${assets.map(([, key]) => key)}::text[]) as asset (kind, storage_key)
        ), event as (
          insert into job_events (job_id, seq, kind, status, stage, progress, detail)
          select id, 1, 'status', ${job.status}, ${job.stage ?? null}, null, ${json(tx, job.detail)} from created
        )
        select id, key::text as key, pg_notify(${JOB_EVENTS_CHANNEL}, id || ':1') from created`;
      if (!row) {
        // A separate statement: it sees the row the conflicting transaction committed.
        const [existing] = await tx<{ id: number; key: string }[]>`select id, key from jobs where id = ${job.id ?? null}`;
        if (!existing) throw new Error(`job ${job.id} neither created nor found`);
        return { created: false, ref: existing };
      }
      return { created: true, ref: { id: row.id, key: row.key } };
    },

    /**
     * A job created by the transaction that started its workflow (the signed-in products): its
     * reserved id and key, and the started run as both origin and current writer.
     */
    createStarted(tx: Tx, started: Omit<NewJob, 'id' | 'key' | 'originRunId' | 'runId'> & { job: JobRef; originRunId: string }) {
      const { job, originRunId, ...rest } = started;
      return this.create(tx, { ...rest, id: job.id, key: job.key, originRunId, runId: originRunId });
    },

    /**
     * A workflow's status or stage change, or an event within the current one (a detail, a cost).
     * Repeating it is a no-op (activities run at least once), and so is a change `withinStage` a
     * stage the job has left.
     * Leaving `failed` this way means a reset revived the job (admin endpoint or Temporal Web UI):
     * the retry is counted, the error cleared and, for the job's own workflow, its slot reclaimed.
     */
    async recordStage(ref: JobRef, writer: JobWriter, change: StageChange): Promise<void> {
      await sql.begin((tx) => applyStageChange(tx, ref, writer, change));
    },

    /** recordStage for each change in order, in one transaction (e.g. a stage's last status and the next one's entry). */
    async recordStages(ref: JobRef, writer: JobWriter, changes: StageChange[]): Promise<void> {
      await sql.begin(async (tx) => {
        for (const change of changes) await applyStageChange(tx, ref, writer, change);
      });
    },

    /** Throws ForeignJobWriteError unless `writer` may write the job; writes nothing else (a pipeline's own tables come next). */
    async checkWriter(ref: JobRef, writer: JobWriter): Promise<void> {
      await sql.begin((tx) => lockForWriter(tx, ref, writer));
    },

    /** Progress within the current stage; dropped unless it is that stage's and higher than before. */
    async recordProgress(ref: JobRef, writer: JobWriter, step: ProgressStep): Promise<boolean> {
      const progress = Math.min(1, Math.max(0, step.progress));
      return sql.begin(async (tx) => {
        await lockForWriter(tx, ref, writer);
        const [moved] = await tx<{ status: string }[]>`
          update jobs set progress = ${progress}, updated_at = now()
          where id = ${ref.id} and stage = ${step.stage} and progress < ${progress} and status <> 'failed'
          returning status`;
        if (!moved) return false;
        await appendEvent(tx, ref.id, { kind: 'progress', status: moved.status, stage: step.stage, progress, detail: step.detail ?? null });
        return true;
      });
    },

    /** The job failed at `stage`; the writer's workflow is what an admin retry resets. Idempotent. */
    async recordFailure(ref: JobRef, writer: JobWriter, failure: FailureRecord): Promise<void> {
      await sql.begin(async (tx) => {
        const job = await lockForWriter(tx, ref, writer);
        if (job.status === 'failed' && job.failed_stage === failure.stage && job.error_code === failure.code) return;
        await tx`
          update jobs set status = 'failed', stage = ${failure.stage}, failed_stage = ${failure.stage}, error_code = ${failure.code},
                 error_message = ${failure.message.slice(0, 500)}, failed_workflow_id = ${writer.workflowId}, holds_slot = false, updated_at = now()
          where id = ${ref.id}`;
        await appendEvent(tx, ref.id, { kind: 'status', status: 'failed', stage: failure.stage, detail: { code: failure.code, message: failure.message.slice(0, 500) } });
      });
    },

    /** Lets a child workflow (by id) write the job; the parent registers it before starting it. */
    async addChildWorkflow(ref: JobRef, writer: JobWriter, childWorkflowId: string): Promise<void> {
      await sql.begin(async (tx) => {
        await lockForWriter(tx, ref, writer);
        await tx`
          update jobs set child_workflow_ids = array_append(child_workflow_ids, ${childWorkflowId})
          where id = ${ref.id} and not (${childWorkflowId} = any(child_workflow_ids))`;
      });
    },

    /** The API changed what the job works on (e.g. a re-submission): an event in the timeline, assets replaced. */
    async recordUpdate(tx: Tx, jobId: number, update: { detail: Record<string, unknown>; assets?: JobAsset[] }): Promise<void> {
      const [job] = await tx<{ status: string; stage: string | null }[]>`update jobs set updated_at = now() where id = ${jobId} returning status, stage`;
      if (!job) throw new Error(`job ${jobId} does not exist`);
      await putAssets(tx, jobId, update.assets);
      await appendEvent(tx, jobId, { kind: 'status', status: job.status, stage: job.stage, detail: update.detail });
    },

    /**
     * An admin retry, written in the transaction that holds the row while the workflow is reset:
     * the new run's first write then sees `status`, not `failed`. Returns the new retry count.
     */
    async markRetried(tx: Tx, jobId: number, retry: { status: string; fromStage: string; runId?: string; resetMainWorkflow: boolean }): Promise<number> {
      const job = await lockJob(tx, jobId);
      if (!job) throw new Error(`job ${jobId} does not exist`);
      if (retry.resetMainWorkflow) await reclaimSlot(tx, job);
      const [updated] = await tx<{ retry_count: number }[]>`
        update jobs set status = ${retry.status}, retry_count = retry_count + 1, failed_stage = null, error_code = null,
               error_message = null, failed_workflow_id = null, progress = 0, updated_at = now()
               ${retry.runId && retry.resetMainWorkflow ? tx`, run_id = ${retry.runId}` : tx``}
        where id = ${jobId} returning retry_count`;
      await appendEvent(tx, jobId, { kind: 'status', status: retry.status, stage: job.stage, detail: { retry: updated!.retry_count, from_stage: retry.fromStage } });
      return updated!.retry_count;
    },

    /**
     * The job was cancelled and no workflow recorded it (none running, or none answered in time):
     * it ends in `status` (default `failed`) with `code`, unless it already ended (failed or one of
     * `unlessStatus`). `onCancelled` runs in the same transaction when it did (e.g. a refund).
     */
    async markCancelled(
      jobId: number,
      code: string,
      options: { status?: string; message?: string; unlessStatus?: readonly string[]; onCancelled?: (tx: Tx) => Promise<unknown> } = {},
    ): Promise<boolean> {
      const status = options.status ?? 'failed';
      const ended = ['failed', ...(options.unlessStatus ?? [])];
      return sql.begin(async (tx) => {
        const [job] = await tx<{ stage: string | null }[]>`
          update jobs set status = ${status}, failed_stage = coalesce(stage, status), error_code = coalesce(error_code, ${code}),
                 error_message = coalesce(error_message, ${options.message ?? 'cancelled by an admin'}), holds_slot = false, updated_at = now()
          where id = ${jobId} and status <> all(${tx.array(ended)})
          returning stage`;
        if (!job) return false;
        await appendEvent(tx, jobId, { kind: 'status', status, stage: job.stage, detail: { code } });
        await options.onCancelled?.(tx);
        return true;
      });
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
