import type { Sql } from '../../db/client.js';
import { refundJob } from '../../db/credits/ledger.js';
import { completeFeedVideo, failFeedVideo } from '../../db/feed/creation.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { Storage } from '../../providers/ports.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';
import type { GeneratedClip } from '../generation/media.activities.js';

export interface FeedVideoDeps {
  sql: Sql;
  store: JobStore;
  storage: Pick<Storage, 'backend'>;
}

/** The feed video's outcome, written by its job's workflow: the stored media and `completed`, or `failed` and the refund. */
export function createFeedVideoActivities(deps: FeedVideoDeps) {
  const { sql, store, storage } = deps;
  return {
    /**
     * Records the rendered clip as the video's assets (the video with its whole seconds, the
     * thumbnail) and the video `completed` with its length, in one transaction. Repeating it
     * rewrites the same rows. Only the job's own workflow may.
     */
    async finishFeedVideo(input: JobCall & { videoId: string; clip: GeneratedClip }): Promise<void> {
      await refuseForeignWrites(() => store.checkWriter(input.job, currentWriter(input.originRunId)));
      const { clip } = input;
      await sql.begin((tx) =>
        completeFeedVideo(tx, input.videoId, {
          durationSeconds: clip.durationSeconds,
          assets: [
            { assetType: 'video', storageBackend: storage.backend, storageKey: clip.videoKey, durationSeconds: Math.round(clip.durationSeconds) },
            { assetType: 'thumbnail', storageBackend: storage.backend, storageKey: clip.thumbnailKey, durationSeconds: null },
          ],
        }),
      );
    },

    /**
     * The job failed or was cancelled: the video `failed` with `reason` (unless it completed) and
     * the job's DUST given back when it was priced (the ledger refunds at most once). Returns the
     * DUST refunded by this call. Only the job's own workflow may.
     */
    async failFeedVideo(input: JobCall & { videoId: string; reason: string }): Promise<number> {
      await refuseForeignWrites(() => store.checkWriter(input.job, currentWriter(input.originRunId)));
      await failFeedVideo(sql, input.videoId, input.reason);
      return refundJob(sql, input.job.id, `feed video failed: ${input.reason}`.slice(0, 200));
    },
  };
}
