import { markFeedVideoProcessing } from '../../db/feed/creation.js';
import type { Sql } from '../../db/client.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { GenerationSpec } from '../../workflows/generation/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';
import type { GeneratedClip, createGenerationMediaActivities } from '../generation/media.activities.js';

export interface FeedRenderDeps {
  sql: Sql;
  store: JobStore;
  /** The generation pipeline's media activities: the feed renders and stores exactly as generation does. */
  media: Pick<ReturnType<typeof createGenerationMediaActivities>, 'generateVideo'>;
}

/**
 * The render, the one activity of the feed's own task queue (feedGenerationTaskQueue): its worker
 * runs at most VIDEO_MAX_CONCURRENT_GENERATIONS of them at once, so an attempt starts only when a
 * slot is free — which is when the video becomes `processing`.
 */
export function createFeedRenderActivities(deps: FeedRenderDeps) {
  const { sql, store, media } = deps;
  return {
    /**
     * Marks the job and its video `processing` (only the job's own workflow may), then generates
     * the video with the configured generator and keeps it and its thumbnail in storage
     * (generation's generateVideo: progress on the job's `generate` stage, a retried attempt
     * resumes the heartbeated prediction). Errors are generateVideo's.
     */
    async renderFeedVideo(input: JobCall & { videoId: string; spec: GenerationSpec }): Promise<GeneratedClip> {
      await refuseForeignWrites(() => store.recordStage(input.job, currentWriter(input.originRunId), { status: 'processing' }));
      await markFeedVideoProcessing(sql, input.videoId);
      return media.generateVideo({ jobId: input.job.id, spec: input.spec, report: { job: input.job, originRunId: input.originRunId, stage: 'generate' } });
    },
  };
}
