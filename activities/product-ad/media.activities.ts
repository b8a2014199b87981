import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { JobStore } from '../../db/jobs/store.js';
import { composeAd } from '../../lib/media/ad/composite.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { createScratch } from '../../lib/scratch.js';
import type { AdScript, SpeechSynthesizer, Storage } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import { storageKey } from '../../providers/storage/keys.js';
import { frameSize } from '../../workflows/generation/contract.js';
import type { AdRequest } from '../../workflows/product-ad/contract.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';
import { storeVoiceover, type StoredVoiceover } from '../engine/voiceover.js';

export interface MediaDeps {
  storage: Storage;
  speech: SpeechSynthesizer;
  store?: JobStore;
  usdPerMillionCharacters: number;
  tempRoot?: string;
}

/** voice_gen and compositing: the voice-over, then the finished ad from visuals, voice, photo and script. */
export function createProductAdMediaActivities(deps: MediaDeps) {
  return {
    async synthesizeVoiceover(input: { jobId: number; text: string }): Promise<StoredVoiceover> {
      try {
        return await storeVoiceover(deps, input, Context.current().cancellationSignal);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    /** The ad at the request's aspect ratio with a 1080-pixel short side (1080×1920 for 9:16). */
    async composeProductAd(input: { jobId: number; request: AdRequest; script: AdScript; voiceKey: string; visualsKey: string; report?: ProgressTarget }) {
      const reporter = input.report && deps.store ? createProgressReporter(deps.store, input.report) : undefined;
      const progress = activityProgress((fraction) => reporter?.report(fraction));
      const scratch = await createScratch(`ad-${input.jobId}`, deps.tempRoot);
      try {
        // A first heartbeat for keepAlive to repeat: downloads, text cards and ffmpeg's start come
        // before its first progress, and on a busy machine outlasted a short heartbeat timeout.
        progress.heartbeat({ fraction: 0 });
        return await progress.keepAlive(async () => {
          const at = (name: string) => join(scratch.path, name);
          await Promise.all([
            deps.storage.getToFile(input.visualsKey, at('visuals.mp4')),
            deps.storage.getToFile(input.voiceKey, at('voice.m4a')),
            ...(input.request.productImageKey ? [deps.storage.getToFile(input.request.productImageKey, at('product.jpg'))] : []),
          ]);
          const { width, height } = frameSize('hd_1080p', input.request.aspectRatio);
          const result = await composeAd({
            visualsPath: at('visuals.mp4'),
            voicePath: at('voice.m4a'),
            ...(input.request.productImageKey ? { productImagePath: at('product.jpg') } : {}),
            lines: input.script.onScreenLines,
            ctaText: input.request.ctaText,
            productName: input.request.productName,
            width,
            height,
            outputPath: at('ad.mp4'),
            thumbnailPath: at('thumbnail.jpg'),
            signal: progress.signal,
            onProgress: (fraction) => {
              progress.heartbeat({ fraction });
              progress.report(fraction * 0.95);
            },
          });
          const videoKey = storageKey({ job: input.jobId }, 'video', 'mp4');
          const thumbnailKey = storageKey({ job: input.jobId }, 'thumbnail', 'jpg');
          await deps.storage.putFile(videoKey, at('ad.mp4'), 'video/mp4');
          await deps.storage.putFile(thumbnailKey, at('thumbnail.jpg'), 'image/jpeg');
          reporter?.report(1);
          await reporter?.flush();
          const media = await probe(at('ad.mp4'));
          return { videoKey, thumbnailKey, durationSeconds: media.durationSeconds, bytes: result.bytes };
        });
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await scratch.remove();
      }
    },
  };
}
