import type { Sql } from '../../db/client.js';
import { refundJob } from '../../db/credits/ledger.js';
import { recordGenerationInfo } from '../../db/generation/jobs.js';
import { saveVideo } from '../../db/generation/videos.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { JobRef } from '../../db/jobs/types.js';
import type { GenerationSpec } from '../../workflows/generation/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';
import type { GeneratedClip } from './media.activities.js';

/** The generation job's own writes besides the stage kit's: the video row, the refund. */
export function createGenerationJobActivities(deps: { sql: Sql; store: JobStore }) {
  const { sql, store } = deps;
  return {
    /** Saves the finished video in the user's list (once per job) and the generation figures; returns the video id. Only the job's own workflow may. */
    async saveGeneratedVideo(input: JobCall & { accountId: string; spec: GenerationSpec; clip: GeneratedClip }): Promise<string> {
      const { clip } = input;
      await refuseForeignWrites(() => store.checkWriter(input.job, currentWriter(input.originRunId)));
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
