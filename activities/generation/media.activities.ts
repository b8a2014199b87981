import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { JobStore } from '../../db/jobs/store.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { decodePhoto, PhotoIntakeError } from '../../lib/media/image-intake.js';
import { extractThumbnail } from '../../lib/media/thumbnail.js';
import { fetchRemoteImage } from '../../lib/net/guarded-fetch.js';
import { createScratch } from '../../lib/scratch.js';
import type { Storage, VideoGenerator } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';
import { storageKey } from '../../providers/storage/keys.js';
import { frameSize, type GenerationSpec } from '../../workflows/generation/contract.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';

export interface GeneratedClip {
  videoKey: string;
  thumbnailKey: string;
  model: string;
  predictionId?: string;
  /** Wall time of the attempt that generated the video, ms. */
  generationMs: number;
  /** What the prediction cost: its seconds at PREDICTION_USD_PER_SECOND (a local render costs nothing). */
  costUsd: number;
  /** Measured from the file. */
  durationSeconds: number;
  width: number;
  height: number;
  bytes: number;
  hasAudio: boolean;
}

export interface GenerationMediaDeps {
  storage: Storage;
  generator: VideoGenerator;
  store?: JobStore;
  remoteFetch: { allowHosts: readonly string[]; maxBytes: number; timeoutMs: number };
  usdPerPredictionSecond: number;
  /** Parent of each attempt's scratch folder; the OS temp dir unless given. */
  tempRoot?: string;
}

/** How far into the video its thumbnail is taken (at most its middle). */
const THUMBNAIL_AT_SECONDS = 1;

/** A fetch error as the job's error shows it: the remote server's status, not its HTML. */
function forTheUser(error: unknown): unknown {
  const status = error instanceof ProviderError ? /_(\d{3})$/.exec(error.code)?.[1] : undefined;
  if (!status || !(error instanceof ProviderError)) return error;
  return new ProviderError(error.code, `image_url could not be fetched: its server answered HTTP ${status}`, { retryable: error.retryable, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }), cause: error });
}

export function createGenerationMediaActivities(deps: GenerationMediaDeps) {
  return {
    /**
     * Fetches the user's image_url through the guarded fetch (private addresses refused, size and
     * time bounded, bytes sniffed) and keeps an upright JPEG copy in storage: providers get our
     * copy, and a URL that changes or expires later cannot change the job.
     */
    async fetchSourceImage(input: { jobId: number; url: string }): Promise<{ imageKey: string }> {
      const signal = Context.current().cancellationSignal;
      try {
        const image = await fetchRemoteImage(input.url, { ...deps.remoteFetch, signal, label: 'image_url' }).catch((error: unknown) => {
          throw forTheUser(error);
        });
        const photo = await decodePhoto(image.bytes).catch((error: unknown) => {
          if (error instanceof PhotoIntakeError) throw new ProviderError('SOURCE_IMAGE_UNREADABLE', `image_url is not an image we can read (${error.code})`, { retryable: false });
          throw error;
        });
        const imageKey = storageKey({ job: input.jobId }, 'source', 'jpg');
        await deps.storage.putBuffer(imageKey, photo.jpeg, 'image/jpeg');
        return { imageKey };
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    /**
     * Generates the video with the configured generator, then keeps it and a JPEG thumbnail in
     * storage (provider URLs expire). Progress goes to the job's `generate` stage. Heartbeat
     * details are the generator's (its prediction id: a retried attempt resumes it); keepAlive
     * repeats them through the steps that send none.
     */
    async generateVideo(input: { jobId: number; spec: GenerationSpec; imageKey?: string; report?: ProgressTarget }): Promise<GeneratedClip> {
      const reporter = input.report && deps.store ? createProgressReporter(deps.store, input.report) : undefined;
      const progress = activityProgress((fraction) => reporter?.report(fraction * 0.9));
      const scratch = await createScratch(`generation-${input.jobId}`, deps.tempRoot);
      try {
        // Downloading, probing and uploading send no heartbeats of their own.
        return await progress.keepAlive(async () => {
          const { width, height } = frameSize(input.spec.resolution, input.spec.aspectRatio);
          const outputPath = join(scratch.path, 'generated.mp4');
          let image: { imagePath: string; imageUrl: string } | undefined;
          if (input.imageKey) {
            image = { imagePath: join(scratch.path, 'source.jpg'), imageUrl: await deps.storage.signedUrl(input.imageKey) };
            await deps.storage.getToFile(input.imageKey, image.imagePath);
          }
          const started = performance.now();
          const { model, predictionId } = await deps.generator.generate({ jobId: input.jobId, spec: input.spec, width, height, outputPath, ...image }, progress);
          const generationMs = Math.round(performance.now() - started);

          const media = await probe(outputPath).catch((error: unknown) => {
            throw new ProviderError('GENERATION_UNREADABLE_OUTPUT', `the ${deps.generator.name} generator's output is not a readable video: ${(error as Error).message}`, { retryable: true });
          });
          if (!media.video) throw new ProviderError('GENERATION_NO_VIDEO_STREAM', `the ${deps.generator.name} generator's output has no video stream`, { retryable: true });
          const thumbnailPath = join(scratch.path, 'thumbnail.jpg');
          await extractThumbnail(outputPath, thumbnailPath, Math.min(THUMBNAIL_AT_SECONDS, media.durationSeconds / 2), progress.signal);

          const videoKey = storageKey({ job: input.jobId }, 'video', 'mp4');
          const thumbnailKey = storageKey({ job: input.jobId }, 'thumbnail', 'jpg');
          await deps.storage.putFile(videoKey, outputPath, 'video/mp4');
          await deps.storage.putFile(thumbnailKey, thumbnailPath, 'image/jpeg');
          reporter?.report(1);
          await reporter?.flush();
          Context.current().log.info('video generated', { jobId: input.jobId, generator: deps.generator.name, model, predictionId, bytes: media.bytes, generationMs });
          return {
            videoKey,
            thumbnailKey,
            model,
            ...(predictionId ? { predictionId } : {}),
            generationMs,
            costUsd: deps.generator.name === 'http' ? (generationMs / 1000) * deps.usdPerPredictionSecond : 0,
            durationSeconds: media.durationSeconds,
            width: media.video.displayWidth,
            height: media.video.displayHeight,
            bytes: media.bytes,
            hasAudio: media.audio !== undefined,
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
