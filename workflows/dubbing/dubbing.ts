import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { DubbingActivities } from '../../activities/dubbing/index.js';
import type { JobTuning } from '../engine/contract.js';
import { jobActivityOptions, jobKit, onProviderQueue } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import { PIPELINE, type DubbingInput, type JobStatus, type Stage } from './contract.js';

const { refundDubbing } = proxyActivities<DubbingActivities>(jobActivityOptions);

/**
 * Speech and lip-sync heartbeat; a cancel waits until they stopped (espeak-ng or ffmpeg killed, the
 * prediction cancelled). Saving the dub copies a video in and out of storage (minutes for a long
 * one) and is never cancelled (the dub exists): it heartbeats too, so a lost worker's copy is
 * taken over within a heartbeat timeout rather than after its whole start-to-close timeout.
 */
function stageActivities(tuning: JobTuning | undefined) {
  const waitsForStop = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
  const { speakTranscript } = proxyActivities<DubbingActivities>({ ...onProviderQueue('groq'), ...waitsForStop, ...heartbeatingStageTimeouts(tuning, { attempt: '10m', budget: '1h' }) });
  const { lipsyncDub } = proxyActivities<DubbingActivities>({ ...onProviderQueue('predictions'), ...waitsForStop, ...heartbeatingStageTimeouts(tuning, { attempt: '30m', budget: '2h' }) });
  const { saveDub } = proxyActivities<DubbingActivities>(heartbeatingStageTimeouts(tuning, { attempt: '15m', budget: '1h' }));
  return { speakTranscript, lipsyncDub, saveDub };
}

export interface DubbingResult {
  status: JobStatus | 'not_accepted';
  videoId?: string;
}

/**
 * One dubbing job, run under `dubbing-<job key>`: speech (the transcript spoken), lipsync (the
 * voice-over lip-synced onto the library video) and finish (the dub kept as a new library video of
 * the user). The API debits the DUST and creates the job in the transaction that starts this
 * workflow; the workflow refunds it when the job fails or is cancelled (a saga's compensation,
 * applied at most once by the ledger). Once the dub exists a cancel no longer stops the job.
 */
export async function dubbingWorkflow(input: DubbingInput): Promise<DubbingResult> {
  const { job } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job });
  // The API's transaction may still be open, or may have rolled back: then there is no job to run.
  if (!(await kit.accepted())) return { status: 'not_accepted' };
  const { speakTranscript, lipsyncDub, saveDub } = stageActivities(input.tuning);
  const refund = (reason: string) => CancellationScope.nonCancellable(() => refundDubbing({ job, reason }));

  return kit.run(async (): Promise<DubbingResult> => {
    try {
      await kit.enter('speech', 'processing');
      const voice = await speakTranscript({ jobId: job.id, transcript: input.transcript, voice: input.voice });
      await kit.status('processing', {
        costUsd: voice.costUsd,
        detail: { model: voice.model, voice: voice.voice, seconds: voice.durationSeconds },
        assets: [{ kind: 'voiceover', key: voice.voiceKey }],
      });

      await kit.enter('lipsync');
      const dub = await lipsyncDub({ jobId: job.id, source: input.source, voiceKey: voice.voiceKey, report: { job, originRunId: kit.originRunId, stage: 'lipsync' } });

      const videoId = await CancellationScope.nonCancellable(async () => {
        await kit.enter('finish', undefined, {
          costUsd: dub.costUsd,
          detail: { model: dub.model, seconds: dub.durationSeconds, source_seconds: dub.sourceSeconds, ...(dub.predictionId ? { prediction_id: dub.predictionId } : {}) },
        });
        const saved = await saveDub({ job, originRunId: kit.originRunId, accountId: input.accountId, source: input.source, dubKey: dub.dubKey });
        await kit.status('completed', { detail: { video_id: saved.videoId, new_video: saved.created } });
        return saved.videoId;
      });
      return { status: 'completed', videoId };
    } catch (error) {
      if (!isCancellation(error)) {
        await refund('dubbing failed');
        throw error;
      }
      await refund('cancelled');
      await CancellationScope.nonCancellable(() => kit.status('cancelled', { detail: { reason: 'cancelled' } }));
      return { status: 'cancelled' };
    }
  });
}
