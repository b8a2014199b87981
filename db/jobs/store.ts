import type { Sql, Tx } from '../client.js';
import { type FailureRecord, type JobAsset, type JobRef, type JobWriter, type NewJob, type ProgressStep, type StageChange } from './types.js';
import {
  ForeignJobWriteError,
  JOB_EVENTS_CHANNEL,
  SUPERSEDED_BY_RESET,
  appendEvent,
  applyStageChange,
  isStale,
  json,
  lockForWriter,
  lockJob,
  putAssets,
  reclaimSlot,
  runColumns,
} from './row-writes.js';

/**
 * The one writer of the job read model. Every change writes the job row, appends its event
 * (numbered per job) and notifies `job_events` with `<job id>:<seq>`, in one transaction, so a
 * live client sees every transition exactly when it is committed. Workflow writes (through the
 * job activities) are checked against the job's writers first; the API's writes (submission,
 * admin retry and cancel) are not: they run under the API's own checks.
 */

export { JOB_EVENTS_CHANNEL, SUPERSEDED_BY_RESET, ForeignJobWriteError };

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
     * stage the job has left and a numbered write older than its run's last (JobWriter.writeSeq).
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
        if (isStale(job, writer) || (job.status === 'failed' && job.failed_stage === failure.stage && job.error_code === failure.code)) return;
        await tx`
          update jobs set status = 'failed', stage = ${failure.stage}, failed_stage = ${failure.stage}, error_code = ${failure.code},
                 error_message = ${failure.message.slice(0, 500)}, failed_workflow_id = ${writer.workflowId}, holds_slot = false,
                 ${runColumns(tx, writer)}, updated_at = now()
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
               ${retry.runId && retry.resetMainWorkflow ? tx`, run_id = ${retry.runId}, run_write_seq = null` : tx``}
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
