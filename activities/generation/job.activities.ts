import type { Sql } from '../../db/client.js';
import { refundJob } from '../../db/credits/ledger.js';
import { recordGenerationInfo } from '../../db/generation/jobs.js';
import { saveVideo } from '../../db/generation/videos.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { JobRef } from '../../db/jobs/types.js';
import type { GenerationSpec } from '../../workflows/generation/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';
import type { GeneratedClip } from './media.activities.js';

/**
 * The key of the lock the API holds while it creates a generation job and starts its workflow:
 * the workflow's first activity waits on it, so it never looks before the API's transaction ended.
 */
export const acceptanceLock = (jobId: number) => `generation-acceptance:${jobId}`;

/** The generation job's own writes besides the stage kit's: acceptance, the video row, the refund. */
export function createGenerationJobActivities(deps: { sql: Sql; store: JobStore }) {
  const { sql, store } = deps;
  return {
    /**
     * Whether the API committed the job this workflow was started for (false: its transaction
     * rolled back after the start, nothing was charged, there is nothing to do). A job that exists
     * but is not this workflow's fails the activity for good (JOB_FOREIGN_WRITE).
     */
    async awaitAcceptance(call: JobCall): Promise<boolean> {
      const exists = await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtextextended(${acceptanceLock(call.job.id)}, 0))`;
        return (await tx`select 1 from jobs where id = ${call.job.id}`).length > 0;
      });
      if (exists) await refuseForeignWrites(() => store.checkWriter(call.job, currentWriter(call.originRunId)));
      return exists;
    },

    /** Saves the finished video in the user's list (once per job) and the generation figures; returns the video id. */
    async saveGeneratedVideo(input: { job: JobRef; accountId: string; spec: GenerationSpec; clip: GeneratedClip }): Promise<string> {
      const { clip } = input;
      const id = await saveVideo(sql, {
        accountId: input.accountId,
        jobId: input.job.id,
        spec: input.spec,
        durationSeconds: clip.durationSeconds,
        metadata: { width: clip.width, height: clip.height, bytes: clip.bytes, has_audio: clip.hasAudio, model: clip.model },
        videoKey: clip.videoKey,
        thumbnailKey: clip.thumbnailKey,
      });
      await recordGenerationInfo(sql, input.job.id, { model: clip.model, generationMs: clip.generationMs });
      return id;
    },

    /** Gives the job's DUST back (failed or cancelled). The ledger applies it at most once; returns the DUST refunded by this call. */
    async refundGeneration(input: { job: JobRef; reason: string }): Promise<number> {
      return refundJob(sql, input.job.id, input.reason);
    },
  };
}
