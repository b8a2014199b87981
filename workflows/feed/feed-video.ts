import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { FeedActivities } from '../../activities/feed/index.js';
import { failureOf } from '../engine/failure.js';
import { jobActivityOptions, jobKit } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import { CANCELLED_REASON, PIPELINE, type FeedVideoInput, type JobStatus, type Stage } from './contract.js';

const { finishFeedVideo, failFeedVideo } = proxyActivities<FeedActivities>(jobActivityOptions);

/**
 * The render runs on the feed's own task queue, whose worker bounds how many run at once: an
 * attempt waits there (no schedule-to-start timeout) until a slot frees, within the render's budget. Cancelling waits until the
 * render stopped (the prediction cancelled, ffmpeg killed); one not started yet is dropped at once.
 */
function renderOn(input: FeedVideoInput) {
  return proxyActivities<FeedActivities>({
    taskQueue: input.generationTaskQueue,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(input.tuning, { attempt: '30m', budget: '6h' }),
  }).renderFeedVideo;
}

export interface FeedVideoResult {
  status: 'completed' | 'not_accepted';
  videoId?: string;
}

/**
 * One feed video's job, run under `feed-video-<job key>`: `generate` (waiting `pending` for a
 * render slot, then `processing` while the generation pipeline's providers render it) and `finish`
 * (the video and thumbnail recorded as its assets, `completed`). The API creates the job and the
 * `pending` video — and debits FEED_VIDEO_COST when set — in the transaction that starts this
 * workflow. When the job fails or is cancelled the video is `failed` with the reason and the DUST
 * refunded (at most once, by the ledger); kit.run records the job's failure.
 */
export async function feedVideoWorkflow(input: FeedVideoInput): Promise<FeedVideoResult> {
  const { job, videoId } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job });
  // The API's transaction may still be open, or may have rolled back: then there is no video to render.
  if (!(await kit.accepted())) return { status: 'not_accepted' };
  const call = { job, originRunId: kit.originRunId, videoId };
  const renderFeedVideo = renderOn(input);

  return kit.run(async (): Promise<FeedVideoResult> => {
    try {
      await kit.enter('generate');
      const clip = await renderFeedVideo({ ...call, spec: input.spec });
      // The video exists: from here a cancel no longer stops the job.
      await CancellationScope.nonCancellable(async () => {
        await kit.enter('finish');
        await finishFeedVideo({ ...call, clip });
        await kit.status('completed', {
          costUsd: clip.costUsd,
          detail: { video_id: videoId, model: clip.model, seconds: clip.durationSeconds, ...(clip.predictionId ? { prediction_id: clip.predictionId } : {}) },
          assets: [
            { kind: 'video', key: clip.videoKey },
            { kind: 'thumbnail', key: clip.thumbnailKey },
          ],
        });
      });
      return { status: 'completed', videoId };
    } catch (error) {
      const reason = isCancellation(error) ? CANCELLED_REASON : failureOf(error).message;
      await CancellationScope.nonCancellable(() => failFeedVideo({ ...call, reason }));
      throw error;
    }
  });
}
