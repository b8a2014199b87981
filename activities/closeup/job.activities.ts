import { createCloseupJob } from '../../db/closeup/jobs.js';
import type { Sql } from '../../db/client.js';
import { ForeignJobWriteError, type JobStore } from '../../db/jobs/store.js';
import type { CloseupInput } from '../../workflows/closeup/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';

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
        // A history from another database names ids this one never handed out: not ours to create.
        if (!(await store.wasReserved(input.job.id))) throw new ForeignJobWriteError(`job ${input.job.id} was never reserved in this database`);
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
        // The row the API wrote must be this workflow's.
        if (!created) await store.checkWriter(input.job, writer);
      });
    },

    /** The OTP went unanswered: the job's codes stop working before its status says so. Only the job's own workflow may. */
    async expireOtps(call: JobCall): Promise<void> {
      await refuseForeignWrites(() => store.checkWriter(call.job, currentWriter(call.originRunId)));
      await sql`update user_otp set superseded_at = now() where job_id = ${call.job.id} and used_at is null and superseded_at is null`;
    },
  };
}

export type CloseupJobActivities = ReturnType<typeof createCloseupJobActivities>;
