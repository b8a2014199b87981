import { extname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { JobStore } from '../../db/jobs/store.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { createScratch } from '../../lib/scratch.js';
import type { Storage, VideoDubber } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { SourceVideo } from '../../workflows/dubbing/contract.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';

export interface LipsyncDeps {
  storage: Storage;
  dubber: VideoDubber;
  store?: JobStore;
  /** PREDICTION_USD_PER_SECOND: what a second of a prediction costs (a local dub costs nothing). */
  usdPerPredictionSecond: number;
  tempRoot?: string;
}

export interface DubbedClip {
  /** The dub in storage, under the job, until the finish stage keeps it in the library. */
  dubKey: string;
  model: string;
  predictionId?: string;
  costUsd: number;
  /** The source's length, seconds (probed), and the dub's. */
  sourceSeconds: number;
  durationSeconds: number;
}

/** A source's extension for its scratch copy (ffmpeg reads by content; a sane name helps its logs). */
const scratchName = (key: string) => `source${/^\.[a-z0-9]{1,8}$/i.test(extname(key)) ? extname(key).toLowerCase() : '.mp4'}`;

/** The lipsync stage: the voice-over lip-synced onto the library video by the configured dubber. */
export function createDubbingLipsyncActivities(deps: LipsyncDeps) {
  return {
    /**
     * Copies the source video and the voice-over to scratch, measures the source, dubs it (the
     * dubber gets local paths and signed URLs of both) and keeps the dub in storage. Progress goes
     * to the job's `lipsync` stage; the dubber's heartbeats (its prediction id) let a retried
     * attempt resume, and keepAlive repeats them through downloads and uploads.
     * Throws DUB_SOURCE_NO_VIDEO (not retryable) for a source without a picture, and
     * DUB_UNREADABLE_OUTPUT (retryable) when the dubber's output is not a video with sound.
     */
    async lipsyncDub(input: { jobId: number; source: SourceVideo; voiceKey: string; report?: ProgressTarget }): Promise<DubbedClip> {
      const reporter = input.report && deps.store ? createProgressReporter(deps.store, input.report) : undefined;
      const progress = activityProgress((fraction) => reporter?.report(fraction * 0.95));
      // Something for keepAlive to repeat before the dubber's own first heartbeat (a previous attempt's details are kept).
      if (progress.resumeFrom === undefined) progress.heartbeat({ step: 'download' });
      const scratch = await createScratch(`dub-${input.jobId}`, deps.tempRoot);
      try {
        return await progress.keepAlive(async () => {
          const at = (name: string) => join(scratch.path, name);
          const videoPath = at(scratchName(input.source.key));
          await Promise.all([deps.storage.getToFile(input.source.key, videoPath), deps.storage.getToFile(input.voiceKey, at('voice.m4a'))]);
          const source = await probe(videoPath).catch(() => undefined);
          if (!source?.video || !(source.durationSeconds > 0)) {
            throw new ProviderError('DUB_SOURCE_NO_VIDEO', `library video ${input.source.id} has no readable video stream`, { retryable: false });
          }
          const [videoUrl, audioUrl] = await Promise.all([deps.storage.signedUrl(input.source.key), deps.storage.signedUrl(input.voiceKey)]);

          const started = performance.now();
          const outputPath = at('dub.mp4');
          const { model, predictionId } = await deps.dubber.dub(
            { jobId: input.jobId, videoPath, videoUrl, audioPath: at('voice.m4a'), audioUrl, durationSeconds: source.durationSeconds, outputPath },
            progress,
          );
          const seconds = (performance.now() - started) / 1000;

          const dub = await probe(outputPath).catch(() => undefined);
          if (!dub?.video || !dub.audio) {
            throw new ProviderError('DUB_UNREADABLE_OUTPUT', `the ${deps.dubber.name} dubber's output is not a video with sound`, { retryable: true });
          }
          const dubKey = storageKey({ job: input.jobId }, 'dub', 'mp4');
          await deps.storage.putFile(dubKey, outputPath, 'video/mp4');
          reporter?.report(1);
          await reporter?.flush();
          Context.current().log.info('video dubbed', { jobId: input.jobId, dubber: deps.dubber.name, model, predictionId, seconds });
          return {
            dubKey,
            model,
            ...(predictionId ? { predictionId } : {}),
            costUsd: deps.dubber.name === 'http' ? seconds * deps.usdPerPredictionSecond : 0,
            sourceSeconds: source.durationSeconds,
            durationSeconds: dub.durationSeconds,
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
