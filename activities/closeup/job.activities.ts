import { createCloseupJob } from '../../db/closeup/jobs.js';
import type { Sql } from '../../db/client.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { CloseupInput } from '../../workflows/closeup/contract.js';
import { currentWriter, refuseForeignWrites } from '../engine/job.activities.js';

/** Close-Up's own job writes: the submission's row (when the API could not write it) and expired codes. */
export function createCloseupJobActivities(deps: { sql: Sql; store: JobStore }) {
  const { sql, store } = deps;
  return {
    /**
     * Creates the job unless the API already did (it may have died between start and insert). The
     * row found must be this workflow's (same key, same run chain): a history replayed against
     * another database must not adopt someone else's job.
     */
    async recordSubmission(input: CloseupInput & { originRunId: string }): Promise<void> {
      const writer = currentWriter(input.originRunId);
      await refuseForeignWrites(async () => {
        const { created } = await sql.begin((tx) =>
          createCloseupJob(store, tx, {
            job: input.job,
            userId: input.userId,
            needsOtp: input.needsOtp,
            selfieKey: input.selfieKey,
            answers: input.answers,
            trackingTokenHash: Buffer.from(input.trackingTokenHash, 'hex'),
            originRunId: input.originRunId,
            runId: writer.runId,
          }),
        );
        // Checks ownership of a row the API wrote; a no-op change otherwise.
        if (!created) await store.recordStage(input.job, writer, {});
      });
    },

    /** The OTP went unanswered: the job's codes stop working before its status says so. */
    async expireOtps(jobId: number): Promise<void> {
      await sql`update user_otp set superseded_at = now() where job_id = ${jobId} and used_at is null and superseded_at is null`;
    },
  };
}

export type CloseupJobActivities = ReturnType<typeof createCloseupJobActivities>;
