import { join } from 'node:path';
import type { JobStore } from '../../db/jobs/store.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { createScratch } from '../../lib/scratch.js';
import type { ImageGenerator, Storage, VideoGenerator } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { JobRef } from '../../workflows/engine/contract.js';
import { frameSize, type GenerationSpec } from '../../workflows/generation/contract.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';

export interface MvMediaDeps {
  storage: Storage;
  images: ImageGenerator;
  videos: VideoGenerator;
  store?: JobStore;
  /** Parent of each attempt's scratch folder; the OS temp dir unless given. */
  tempRoot?: string;
}

export interface RenderedImage {
  imageKey: string;
  model: string;
  predictionId?: string;
}

export interface GeneratedScene {
  videoKey: string;
  model: string;
  predictionId?: string;
  /** Measured from the file. */
  durationSeconds: number;
  width: number;
  height: number;
  bytes: number;
}

/**
 * character_reference and video_gen: media under the MV folders rather than a job's own (later
 * requests reference the images by key). Keys end in the job's key, so a retried attempt replaces
 * its own object instead of leaving one behind. Both heartbeat and report progress to the job.
 */
export function createMvMediaActivities(deps: MvMediaDeps) {
  /** The activity's progress handle, reporting to the job's stage (90 % for the provider's work, the rest when stored). */
  function tracked(report: ProgressTarget | undefined) {
    const reporter = report && deps.store ? createProgressReporter(deps.store, report) : undefined;
    const progress = activityProgress((fraction) => reporter?.report(fraction * 0.9));
    const done = async () => {
      reporter?.report(1);
      await reporter?.flush();
    };
    return { progress, done };
  }

  return {
    /** A width×height JPEG of the prompt from the configured ImageGenerator, stored under mv/outputs/character_reference/. */
    async renderCharacterReference(input: { job: JobRef; image: { prompt: string; width: number; height: number }; report?: ProgressTarget }): Promise<RenderedImage> {
      const { progress, done } = tracked(input.report);
      const scratch = await createScratch(`mv-image-${input.job.id}`, deps.tempRoot);
      try {
        return await progress.keepAlive(async () => {
          const outputPath = join(scratch.path, 'reference.jpg');
          const { model, predictionId } = await deps.images.generate({ ...input.image, outputPath }, progress);
          const imageKey = storageKey({ mvOutputs: 'character_reference' }, 'character', 'jpg', input.job.key);
          await deps.storage.putFile(imageKey, outputPath, 'image/jpeg');
          await done();
          return { imageKey, model, ...(predictionId ? { predictionId } : {}) };
        });
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await scratch.remove();
      }
    },

    /**
     * One scene clip from the configured VideoGenerator (image-to-video from the first reference
     * image when there is one), checked to be a readable video and stored under
     * mv/projects/<project>/scenes/.
     */
    async generateMvScene(input: { job: JobRef; spec: GenerationSpec; referenceKeys: string[]; project: string | null; report?: ProgressTarget }): Promise<GeneratedScene> {
      const { progress, done } = tracked(input.report);
      const scratch = await createScratch(`mv-scene-${input.job.id}`, deps.tempRoot);
      try {
        return await progress.keepAlive(async () => {
          const frame = frameSize(input.spec.resolution, input.spec.aspectRatio);
          const outputPath = join(scratch.path, 'scene.mp4');
          const [reference] = input.referenceKeys;
          let image: { imagePath: string; imageUrl: string } | undefined;
          if (reference) {
            image = { imagePath: join(scratch.path, 'reference.jpg'), imageUrl: await deps.storage.signedUrl(reference) };
            await deps.storage.getToFile(reference, image.imagePath);
          }
          const { model, predictionId } = await deps.videos.generate({ jobId: input.job.id, spec: input.spec, ...frame, outputPath, ...image }, progress);
          const media = await probe(outputPath).catch(() => undefined);
          if (!media?.video) throw new ProviderError('GENERATION_UNREADABLE_OUTPUT', `the ${deps.videos.name} generator's output is not a readable video`, { retryable: true });
          const videoKey = storageKey({ mvScenes: input.project ?? input.job.key }, 'scene', 'mp4', input.job.key);
          await deps.storage.putFile(videoKey, outputPath, 'video/mp4');
          await done();
          return {
            videoKey,
            model,
            ...(predictionId ? { predictionId } : {}),
            durationSeconds: media.durationSeconds,
            width: media.video.displayWidth,
            height: media.video.displayHeight,
            bytes: media.bytes,
          };
        });
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await scratch.remove();
      }
    },
  };
}
