import type postgres from 'postgres';
import type { Sql, Tx } from '../../db/client.js';
import { ACTIVE_STATUSES, JOB_EVENTS_CHANNEL, WORKFLOW_ERROR_CODES, type CloseupInput, type JobStatus, type Stage } from '../../workflows/closeup/contract.js';

export { JOB_EVENTS_CHANNEL };

export type AssetKind = 'selfie' | 'portrait' | 'lipsync' | 'video' | 'thumbnail';

export interface StageRecord {
  jobId: number;
  status: JobStatus;
  detail?: Record<string, unknown>;
  assets?: { kind: AssetKind; key: string }[];
  photoLabel?: string;
}

export interface FailureRecord {
  jobId: number;
  stage: Stage;
  code: string;
  message: string;
}

/**
 * The job row and its timeline, written by the workflows. Every write is safe to repeat:
 * activities run at least once and resets replay them.
 */
export function createJobActivities(deps: { sql: Sql }) {
  const { sql } = deps;

  async function appendEvent(tx: Tx, jobId: number, status: string, detail: Record<string, unknown> | undefined) {
    await tx`insert into video_job_events (job_id, status, detail) values (${jobId}, ${status}, ${detail ? tx.json(detail as postgres.JSONValue) : null})`;
    await tx`select pg_notify(${JOB_EVENTS_CHANNEL}, ${String(jobId)})`;
  }

  return {
    /** Creates the job row unless the API already did (it may have died between start and insert). */
    async recordSubmission(input: CloseupInput & { workflowId: string; runId: string }): Promise<void> {
      await sql.begin(async (tx) => {
        const [created] = await tx`
          insert into video_jobs (id, user_id, workflow_id, run_id, tracking_token_hash, status,
                                  gender, attribute_love, relationship_status, vibe)
          values (${input.jobId}, ${input.userId}, ${input.workflowId}, ${input.runId},
                  ${Buffer.from(input.trackingTokenHash, 'hex')}, ${input.needsOtp ? 'awaiting_otp' : 'queued'},
                  ${input.answers.gender}, ${input.answers.attribute_love}, ${input.answers.relationship_status}, ${input.answers.vibe})
          on conflict (id) do nothing
          returning id`;
        if (created) {
          await tx`insert into video_assets (job_id, kind, storage_key) values (${input.jobId}, 'selfie', ${input.selfieKey}) on conflict do nothing`;
          await appendEvent(tx, input.jobId, input.needsOtp ? 'awaiting_otp' : 'queued', undefined);
        }
      });
    },

    /**
     * Moves the job to `status`. Leaving `failed` this way means the run was reset (by the admin
     * endpoint or from the Temporal Web UI): count the retry and clear the error either way.
     */
    async recordStage(record: StageRecord): Promise<void> {
      await sql.begin(async (tx) => {
        const [job] = await tx<{ status: JobStatus; user_id: string }[]>`select status, user_id from video_jobs where id = ${record.jobId} for update`;
        if (!job) throw new Error(`job ${record.jobId} does not exist`);
        if (job.status === record.status) return;
        if ((ACTIVE_STATUSES as readonly string[]).includes(record.status)) {
          // This run is the user's only running one (one workflow ID per user), so any other
          // active row belongs to a run a reset terminated.
          const stale = await tx<{ id: number }[]>`
            update video_jobs set status = 'failed', failed_stage = status, last_error_code = ${WORKFLOW_ERROR_CODES.supersededByReset},
                   last_error_message = 'its workflow run was terminated by a reset of an earlier job', updated_at = now()
            where user_id = ${job.user_id} and id <> ${record.jobId} and status in ${tx(ACTIVE_STATUSES)}
            returning id`;
          for (const { id } of stale) await appendEvent(tx, id, 'failed', { code: WORKFLOW_ERROR_CODES.supersededByReset });
        }
        await tx`
          update video_jobs set
            status = ${record.status},
            failed_stage = null, last_error_code = null, last_error_message = null,
            retry_count = retry_count + ${job.status === 'failed' ? 1 : 0},
            photo_label = coalesce(${record.photoLabel ?? null}, photo_label),
            updated_at = now()
          where id = ${record.jobId}`;
        for (const asset of record.assets ?? []) {
          await tx`
            insert into video_assets (job_id, kind, storage_key) values (${record.jobId}, ${asset.kind}, ${asset.key})
            on conflict (job_id, kind) do update set storage_key = excluded.storage_key, created_at = now()`;
        }
        await appendEvent(tx, record.jobId, record.status, record.detail);
      });
    },

    async recordFailure(failure: FailureRecord): Promise<void> {
      await sql.begin(async (tx) => {
        const [updated] = await tx`
          update video_jobs set status = 'failed', failed_stage = ${failure.stage}, last_error_code = ${failure.code},
                 last_error_message = ${failure.message.slice(0, 500)}, updated_at = now()
          where id = ${failure.jobId} and not (status = 'failed' and failed_stage = ${failure.stage} and last_error_code = ${failure.code})
          returning id`;
        if (updated) await appendEvent(tx, failure.jobId, 'failed', { stage: failure.stage, code: failure.code });
      });
    },

    /** The OTP went unanswered: the job ends and its codes stop working. */
    async recordOtpExpired(jobId: number): Promise<void> {
      await sql.begin(async (tx) => {
        await tx`update user_otp set superseded_at = now() where job_id = ${jobId} and used_at is null and superseded_at is null`;
        const [updated] = await tx`update video_jobs set status = 'otp_expired', updated_at = now() where id = ${jobId} and status = 'awaiting_otp' returning id`;
        if (updated) await appendEvent(tx, jobId, 'otp_expired', undefined);
      });
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;
