import { ActivityCancellationType, ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CloseupJobActivities } from '../../activities/closeup/job.activities.js';
import type { OtpActivities } from '../../activities/closeup/otp.activities.js';
import type { createPhotoActivities } from '../../activities/closeup/photo.activities.js';
import type { createLipsyncActivities } from '../../activities/closeup/lipsync.activities.js';
import type { createStitchingActivities } from '../../activities/closeup/stitching.activities.js';
import type { JobTuning } from '../engine/contract.js';
import { jobActivityOptions, jobKit, onProviderQueue } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import {
  PIPELINE,
  deliveryWorkflowId,
  otpRequestedSignal,
  otpVerifiedSignal,
  resubmittedSignal,
  type CloseupInput,
  type JobStatus,
  type Stage,
} from './contract.js';
import { closeupDeliveryWorkflow } from './delivery.js';

/** A verification may land a little after the database says the code expired; PostgreSQL decides, this only ends the wait. */
const otpWaitGraceMs = (expiryMs: number) => Math.min(30_000, expiryMs / 10);

const retryTransient = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' } as const;

const closeupJobs = proxyActivities<CloseupJobActivities>(jobActivityOptions);

/**
 * The texted code and the photo check, each on its provider's queue. Their start-to-close timeouts
 * time an attempt, not its wait on the queue (none has a schedule-to-start timeout).
 */
function checkActivities() {
  const { sendOtp } = proxyActivities<OtpActivities>({
    ...onProviderQueue('sms'),
    startToCloseTimeout: '30s',
    retry: { ...retryTransient, maximumAttempts: 5 },
  });
  const { validatePhoto } = proxyActivities<ReturnType<typeof createPhotoActivities>>({
    ...onProviderQueue('groq'),
    startToCloseTimeout: '90s',
    retry: { ...retryTransient, maximumAttempts: 8 },
  });
  return { sendOtp, validatePhoto };
}

/** Cancelling a job waits until these have stopped (the paid prediction cancelled, ffmpeg killed). */
function mediaActivities(tuning: JobTuning | undefined) {
  const { generateLipsync } = proxyActivities<ReturnType<typeof createLipsyncActivities>>({
    ...onProviderQueue('predictions'),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(tuning, { attempt: '30m', budget: '2h' }),
  });
  const { stitchVideo } = proxyActivities<ReturnType<typeof createStitchingActivities>>({
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(tuning, { attempt: '15m', budget: '1h' }),
  });
  return { generateLipsync, stitchVideo };
}

export interface CloseupResult {
  jobId: number;
  status: JobStatus;
}

/**
 * One Close-Up submission, run under the user's workflow ID (closeup-<user id>) so a user has one
 * active job at a time. Unverified users first prove their number by OTP; then the photo, lip-sync
 * and stitching stages run; the job completes at `uploaded` and a child workflow delivers the video.
 */
export async function closeupSubmissionWorkflow(input: CloseupInput): Promise<CloseupResult> {
  const { job } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job, stage: 'otp' });
  const { sendOtp, validatePhoto } = checkActivities();
  const { generateLipsync, stitchVideo } = mediaActivities(input.tuning);
  let selfieKey = input.selfieKey;
  let answers = input.answers;
  let verified = !input.needsOtp;
  const otpRequests: number[] = input.otpId === null ? [] : [input.otpId];

  setHandler(otpRequestedSignal, ({ otpId }) => void otpRequests.push(otpId));
  setHandler(otpVerifiedSignal, () => void (verified = true));
  setHandler(resubmittedSignal, (resubmission) => {
    selfieKey = resubmission.selfieKey;
    answers = resubmission.answers;
    if (resubmission.otpId !== null) otpRequests.push(resubmission.otpId);
  });

  return kit.run(async () => {
    await closeupJobs.recordSubmission({ ...input, originRunId: kit.originRunId });
    if (!verified) {
      let waitUntil = Date.now() + input.otpExpiryMs + otpWaitGraceMs(input.otpExpiryMs);
      while (!verified) {
        const woke = await condition(() => verified || otpRequests.length > 0, Math.max(0, waitUntil - Date.now()));
        if (!woke) {
          await closeupJobs.expireOtps({ job, originRunId: kit.originRunId });
          await kit.status('otp_expired', { releaseSlot: true });
          return { jobId: job.id, status: 'otp_expired' };
        }
        const otpId = otpRequests.shift();
        if (!verified && otpId !== undefined) {
          await sendOtp({ jobId: job.id, otpId });
          waitUntil = Date.now() + input.otpExpiryMs + otpWaitGraceMs(input.otpExpiryMs);
        }
      }
      await kit.advance({ status: 'queued' }, 'photo_processing', 'photo_processing');
    } else await kit.enter('photo_processing', 'photo_processing');

    const photo = await validatePhoto({ jobId: job.id, selfieKey });
    if (photo.label !== 'APPROVED' || !photo.portraitKey) {
      // A verdict, not an outage: retrying cannot change it.
      throw ApplicationFailure.nonRetryable(photo.reason, photo.label);
    }
    await kit.advance(
      { status: 'photo_done', detail: { label: photo.label, validator: photo.validator, usage: photo.usage }, assets: [{ kind: 'portrait', key: photo.portraitKey }] },
      'lipsync_processing',
      'lipsync_processing',
    );

    const clip = await generateLipsync({ jobId: job.id, portraitKey: photo.portraitKey, answers, report: { job, originRunId: kit.originRunId, stage: 'lipsync_processing' } });
    await kit.advance(
      { status: 'lipsync_done', detail: { generator: clip.generator, ...(clip.predictionId ? { predictionId: clip.predictionId } : {}) }, assets: [{ kind: 'lipsync', key: clip.clipKey }] },
      'stitching',
      'stitching',
    );

    const video = await stitchVideo({ jobId: job.id, clipKey: clip.clipKey, report: { job, originRunId: kit.originRunId, stage: 'stitching' } });
    // The user's slot frees now; delivery outlives this run.
    await kit.status('uploaded', {
      releaseSlot: true,
      detail: { strategy: video.strategy, bytes: video.bytes, durationSeconds: video.durationSeconds },
      assets: [
        { kind: 'video', key: video.videoKey },
        { kind: 'thumbnail', key: video.thumbnailKey },
      ],
    });
    await kit.startChild(closeupDeliveryWorkflow, { workflowId: deliveryWorkflowId(job.id), args: [{ job, videoKey: video.videoKey, ...(input.tuning ? { tuning: input.tuning } : {}) }] });
    return { jobId: job.id, status: 'uploaded' };
  });
}
