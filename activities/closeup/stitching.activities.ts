import { createScratch } from '../../lib/scratch.js';
import { storageKey } from '../../providers/storage/keys.js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { Config } from '../../lib/config.js';
import { configureFfmpeg } from '../../lib/media/ffmpeg.js';
import type { Storage } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';
import { ensureBrandClips } from '../../lib/media/stitching/brand-clips.js';
import { BRAND_CLIP_INPUTS, stitchClips, writeThumbnail, type StitchStrategy } from '../../lib/media/stitching/stitch.js';
import type { JobStore } from '../../db/jobs/store.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';

export interface StitchVideoInput {
  jobId: number;
  clipKey: string;
  /** Where the stitch's progress goes (the job's event stream); none for a bare stitch. */
  report?: ProgressTarget;
}

export interface StitchedVideo {
  videoKey: string;
  thumbnailKey: string;
  strategy: StitchStrategy;
  bytes: number;
  durationSeconds: number;
  width: number;
  height: number;
}

export interface StitchingDeps {
  storage: Storage;
  config: Pick<Config, 'MEDIA_ROOT' | 'BRAND_INTRO_PATH' | 'BRAND_OUTRO_PATH' | 'FFMPEG_PATH' | 'FFPROBE_PATH'>;
  /** Parent of each attempt's scratch folder; the OS temp dir unless given. */
  tempRoot?: string;
  store?: JobStore;
}

export function createStitchingActivities(deps: StitchingDeps) {
  configureFfmpeg(deps.config);
  return {
    /** intro + lip-sync clip + outro → a WhatsApp-ready mp4 and its thumbnail in storage. New keys per attempt. */
    async stitchVideo(input: StitchVideoInput): Promise<StitchedVideo> {
      const progress = activityProgress();
      const reporter = input.report && deps.store ? createProgressReporter(deps.store, input.report) : undefined;
      const scratch = await createScratch(`stitch-${input.jobId}`, deps.tempRoot);
      const workDir = scratch.path;
      try {
        // Rendering the default brand clips on a worker's first stitch takes seconds of ffmpeg, and
        // the download more for a big clip: without heartbeats meanwhile, every attempt timed out
        // (seen in the chaos run with ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS=4 on a busy machine).
        progress.heartbeat({ phase: 'prepare', fraction: 0 });
        const clipPath = join(workDir, 'lipsync.mp4');
        const brand = await progress.keepAlive(async () => {
          const clips = await ensureBrandClips(deps.config);
          await deps.storage.getToFile(input.clipKey, clipPath);
          return clips;
        });
        progress.signal.throwIfAborted();
        const outputPath = join(workDir, 'video.mp4');
        const thumbnailPath = join(workDir, 'thumbnail.jpg');
        const result = await stitchClips({
          inputs: [brand.introPath, clipPath, brand.outroPath],
          referenceIndex: 1,
          rememberedInputs: BRAND_CLIP_INPUTS,
          outputPath,
          workDir,
          signal: progress.signal,
          onProgress: (stage) => {
            progress.heartbeat(stage);
            // Encoding is nearly all of a stitch; the thumbnail and uploads are quick.
            reporter?.report(stage.fraction * 0.95);
          },
        });
        const id = randomUUID();
        const videoKey = storageKey({ job: input.jobId }, 'video', 'mp4', id);
        const thumbnailKey = storageKey({ job: input.jobId }, 'thumbnail', 'jpg', id);
        // The thumbnail is taken while the video uploads; both settle before the scratch folder they read from is removed.
        const uploads = await Promise.allSettled([
          deps.storage.putFile(videoKey, outputPath, 'video/mp4'),
          (async () => {
            await writeThumbnail(result.thumbnailFrame, thumbnailPath, progress.signal);
            progress.heartbeat({ phase: 'thumbnail', fraction: 1 });
            await deps.storage.putFile(thumbnailKey, thumbnailPath, 'image/jpeg');
          })(),
        ]);
        const failedUpload = uploads.find((upload) => upload.status === 'rejected');
        if (failedUpload) throw failedUpload.reason;
        reporter?.report(1);
        await reporter?.flush();
        Context.current().log.info('video stitched', {
          jobId: input.jobId,
          strategy: result.strategy,
          blockers: result.blockers,
          bytes: result.bytes,
          durationSeconds: result.durationSeconds,
        });
        return {
          videoKey,
          thumbnailKey,
          strategy: result.strategy,
          bytes: result.bytes,
          durationSeconds: result.durationSeconds,
          width: result.width,
          height: result.height,
        };
      } catch (error) {
        if (error instanceof ProviderError || error instanceof CancelledFailure || progress.signal.aborted) throw toActivityFailure(error);
        // ffmpeg failing on inputs that probed fine: worth a retry, under a code an admin can filter on.
        throw toActivityFailure(new ProviderError('STITCH_FFMPEG_FAILED', (error as Error).message, { retryable: true, cause: error }));
      } finally {
        await scratch.remove();
      }
    },
  };
}

export type StitchingActivities = ReturnType<typeof createStitchingActivities>;
