import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { GenerationActivities } from '../../activities/generation/index.js';
import type { ProductAdActivities } from '../../activities/product-ad/index.js';
import type { JobTuning } from '../engine/contract.js';
import { jobActivityOptions, jobKit, onProviderQueue } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import { AD_TARGET_SECONDS, PIPELINE, type JobStatus, type ProductAdInput, type Stage } from './contract.js';

const retryTransient = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

const { recordScript } = proxyActivities<ProductAdActivities>(jobActivityOptions);
/** The script and the voice-over, on Groq's queue (either may run a local adapter there). */
function groqActivities() {
  return proxyActivities<ProductAdActivities>({
    ...onProviderQueue('groq'),
    startToCloseTimeout: '2m',
    retry: { ...retryTransient, maximumAttempts: 6 },
  });
}

/** Long stages heartbeat; a cancel waits until they stopped (a prediction cancelled, ffmpeg killed). */
function mediaActivities(tuning: JobTuning | undefined) {
  const options = {
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(tuning, { attempt: '30m', budget: '2h' }),
  } as const;
  // Activity proxies have no own keys to spread: take what is needed from each.
  const { generateVideo } = proxyActivities<GenerationActivities>({ ...onProviderQueue('predictions'), ...options });
  const { composeProductAd } = proxyActivities<ProductAdActivities>(options);
  return { generateVideo, composeProductAd };
}

/** The shortest generation length (5, 10 or 15 s) that covers the voice-over; the compositor loops or trims the rest. */
const visualsSeconds = (voiceSeconds: number) => (voiceSeconds <= 5 ? 5 : voiceSeconds <= 10 ? 10 : 15);

export interface ProductAdResult {
  status: JobStatus | 'not_accepted';
}

/**
 * One product ad (../shared/seeds/product-ad-generator-api.md), run under `product-ad-<job key>`:
 * script_gen (the TextWriter), voice_gen (the SpeechSynthesizer), video_gen (the generation port,
 * animating the product photo when there is one) and compositing (ffmpeg). Each stage records its
 * progress and cost; an admin retry resets to the failed stage and reuses the earlier results.
 */
export async function productAdWorkflow(input: ProductAdInput): Promise<ProductAdResult> {
  const { job, request } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job });
  const { writeAdScript, synthesizeVoiceover } = groqActivities();
  const { generateVideo, composeProductAd } = mediaActivities(input.tuning);
  const report = (stage: Stage) => ({ job, originRunId: kit.originRunId, stage });
  // The API's transaction may still be open, or may have rolled back: then there is no job to run.
  if (!(await kit.accepted())) return { status: 'not_accepted' };

  return kit.run(async () => {
    try {
      await kit.enter('script_gen', 'processing');
      const script = await writeAdScript({ jobId: job.id, request, targetSeconds: AD_TARGET_SECONDS });
      await recordScript({ job, originRunId: kit.originRunId, script: script.script });
      await kit.status('processing', { costUsd: script.costUsd, detail: { writer: script.writer, model: script.model, usage: script.usage } });

      await kit.enter('voice_gen');
      const voice = await synthesizeVoiceover({ jobId: job.id, text: script.script.voiceover });
      await kit.status('processing', { costUsd: voice.costUsd, detail: { model: voice.model, voice: voice.voice, seconds: voice.durationSeconds }, assets: [{ kind: 'voiceover', key: voice.voiceKey }] });

      await kit.enter('video_gen');
      const visuals = await generateVideo({
        jobId: job.id,
        spec: {
          type: request.productImageKey ? 'image_to_video' : 'text_to_video',
          prompt: script.script.visualPrompt,
          durationSeconds: visualsSeconds(voice.durationSeconds),
          resolution: 'hd_720p',
          aspectRatio: request.aspectRatio,
          cameraFixed: false,
          referencePerson: null,
          sourceImageUrl: null,
        },
        ...(request.productImageKey ? { imageKey: request.productImageKey } : {}),
        report: report('video_gen'),
      });
      await kit.status('processing', { costUsd: visuals.costUsd, detail: { model: visuals.model, ...(visuals.predictionId ? { prediction_id: visuals.predictionId } : {}) }, assets: [{ kind: 'visuals', key: visuals.videoKey }] });

      await kit.enter('compositing');
      const ad = await composeProductAd({ jobId: job.id, request, script: script.script, voiceKey: voice.voiceKey, visualsKey: visuals.videoKey, report: report('compositing') });
      await kit.status('completed', {
        detail: { seconds: ad.durationSeconds, bytes: ad.bytes },
        assets: [
          { kind: 'video', key: ad.videoKey },
          { kind: 'thumbnail', key: ad.thumbnailKey },
        ],
      });
      return { status: 'completed' };
    } catch (error) {
      if (!isCancellation(error)) throw error;
      await CancellationScope.nonCancellable(() => kit.status('cancelled', { detail: { reason: 'cancelled' } }));
      return { status: 'cancelled' };
    }
  });
}
