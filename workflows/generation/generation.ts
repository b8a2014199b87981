import { ActivityCancellationType, CancellationScope, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { GenerationActivities } from '../../activities/generation/index.js';
import type { JobTuning } from '../engine/contract.js';
import { jobActivityOptions, jobKit, onProviderQueue } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import { PIPELINE, type GenerationInput, type JobStatus, type Stage, type WebhookEvent } from './contract.js';

const retryTransient = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

const { saveGeneratedVideo, refundGeneration } = proxyActivities<GenerationActivities>(jobActivityOptions);
const { fetchSourceImage } = proxyActivities<GenerationActivities>({
  startToCloseTimeout: '2m',
  retry: { ...retryTransient, maximumAttempts: 5 },
});
// Receivers may be down for a while: about a quarter of an hour of retries, then given up on.
const { sendWebhook } = proxyActivities<GenerationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 8 },
});

/** Cancelling the job waits until generation has stopped (the paid prediction cancelled, ffmpeg killed). */
function generationActivities(tuning: JobTuning | undefined) {
  return proxyActivities<GenerationActivities>({
    ...onProviderQueue('predictions'),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(tuning, { attempt: '30m', budget: '2h' }),
  });
}

export interface GenerationResult {
  status: JobStatus | 'not_accepted';
  videoId?: string;
}

/**
 * One text-to-video or image-to-video job (../shared/seeds/async-generation-api.md), run under
 * `generation-<job key>`. The API debits the DUST and creates the job in the transaction that
 * starts this workflow; the workflow refunds it when the job fails or is cancelled (a saga's
 * compensation, applied at most once by the ledger). Webhooks never fail the job.
 */
export async function generationWorkflow(input: GenerationInput): Promise<GenerationResult> {
  const { job, spec } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job });
  // The API's transaction may still be open, or may have rolled back: then there is no job to run.
  if (!(await kit.accepted())) return { status: 'not_accepted' };
  const { generateVideo } = generationActivities(input.tuning);
  const webhooks: Promise<void>[] = [];
  const notify = (event: WebhookEvent) => {
    if (!input.webhook?.events.includes(event)) return;
    // Not cancellable: a cancelled job still tells its receiver it ended.
    const sent = CancellationScope.nonCancellable(() => sendWebhook({ job, event, url: input.webhook!.url }));
    webhooks.push(sent.then(() => undefined, (error: unknown) => log.warn('webhook given up', { jobId: job.id, event, error: String(error) })));
  };
  const refund = (reason: string) => CancellationScope.nonCancellable(() => refundGeneration({ job, reason }));

  try {
    return await kit.run(async (): Promise<GenerationResult> => {
      try {
        await kit.status('starting');
        notify('start');
        let imageKey: string | undefined;
        if (spec.type === 'image_to_video' && spec.sourceImageUrl) {
          await kit.enter('fetch_source');
          imageKey = (await fetchSourceImage({ jobId: job.id, url: spec.sourceImageUrl })).imageKey;
        }
        await kit.enter('generate', 'processing');
        const clip = await generateVideo({ jobId: job.id, spec, ...(imageKey ? { imageKey } : {}), report: { job, originRunId: kit.originRunId, stage: 'generate' } });
        // The video exists and was paid for: from here a cancel no longer stops the job.
        const videoId = await CancellationScope.nonCancellable(async () => {
          await kit.enter('finish');
          const id = await saveGeneratedVideo({ job, originRunId: kit.originRunId, accountId: input.accountId, spec, clip });
          await kit.status('completed', {
            costUsd: clip.costUsd,
            detail: { video_id: id, model: clip.model, ...(clip.predictionId ? { prediction_id: clip.predictionId } : {}) },
            assets: [
              { kind: 'video', key: clip.videoKey },
              { kind: 'thumbnail', key: clip.thumbnailKey },
            ],
          });
          return id;
        });
        notify('completed');
        return { status: 'completed', videoId };
      } catch (error) {
        if (!isCancellation(error)) {
          await refund('generation failed');
          throw error;
        }
        await refund('cancelled');
        await CancellationScope.nonCancellable(() => kit.status('cancelled', { detail: { reason: 'cancelled by the user' } }));
        notify('completed');
        return { status: 'cancelled' };
      }
    });
  } catch (error) {
    // kit.run has recorded the failure by now: the webhook reads it.
    notify('completed');
    throw error;
  } finally {
    await Promise.all(webhooks);
  }
}
