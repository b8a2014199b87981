import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { JobActivities } from '../../activities/jobs/job-activities.js';
import type { OtpActivities } from '../../activities/closeup/otp.activities.js';
import type { createPhotoActivities } from '../../activities/closeup/photo.activities.js';
import type { createLipsyncActivities } from '../../activities/closeup/lipsync.activities.js';
import type { createStitchingActivities } from '../../activities/closeup/stitching.activities.js';
import {
  WORKFLOW_ERROR_CODES,
  deliveryWorkflowId,
  otpRequestedSignal,
  otpVerifiedSignal,
  resubmittedSignal,
  type CloseupInput,
  type JobStatus,
  type Stage,
} from './contract.js';
import { closeupDeliveryWorkflow } from './delivery.js';
import { failureOf, jobActivityOptions, stageActivityId, trackStatus } from './shared.js';

/** A verification may land a little after the database says the code expired; PostgreSQL decides, this only ends the wait. */
const otpWaitGraceMs = (expiryMs: number) => Math.min(30_000, expiryMs / 10);

const retryTransient = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' } as const;

const { sendOtp } = proxyActivities<OtpActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retryTransient, maximumAttempts: 5 },
});
const { validatePhoto } = proxyActivities<ReturnType<typeof createPhotoActivities>>({
  startToCloseTimeout: '90s',
  retry: { ...retryTransient, maximumAttempts: 8 },
});
// Cancelling a job waits until these have stopped (the paid prediction cancelled, ffmpeg killed).
const { generateLipsync } = proxyActivities<ReturnType<typeof createLipsyncActivities>>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { ...retryTransient, maximumAttempts: 6 },
});
const { stitchVideo } = proxyActivities<ReturnType<typeof createStitchingActivities>>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '15m',
  heartbeatTimeout: '30s',
  retry: { ...retryTransient, maximumAttempts: 5 },
});
const jobs = proxyActivities<JobActivities>(jobActivityOptions);

/**
 * Stage statuses are recorded by activities with fixed ids (`status:<status>`): the admin retry
 * finds in a failed run's history the workflow task that scheduled the failed stage, and resets
 * the run to just before it.
 */
function recordStatus(jobId: number, status: JobStatus, extra: Omit<Parameters<JobActivities['recordStage']>[0], 'jobId' | 'status'> = {}) {
  const options: ActivityOptions = { ...jobActivityOptions, activityId: stageActivityId(status) };
  trackStatus(status);
  return proxyActivities<JobActivities>(options).recordStage({ jobId, status, ...extra });
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
  const { jobId } = input;
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

  const info = workflowInfo();
  await jobs.recordSubmission({ ...input, workflowId: info.workflowId, runId: info.runId });

  let stage: Stage = 'otp';
  try {
    if (!verified) {
      trackStatus('awaiting_otp');
      let waitUntil = Date.now() + input.otpExpiryMs + otpWaitGraceMs(input.otpExpiryMs);
      while (!verified) {
        const woke = await condition(() => verified || otpRequests.length > 0, Math.max(0, waitUntil - Date.now()));
        if (!woke) {
          await jobs.recordOtpExpired(jobId);
          trackStatus('otp_expired');
          return { jobId, status: 'otp_expired' };
        }
        const otpId = otpRequests.shift();
        if (!verified && otpId !== undefined) {
          await sendOtp({ jobId, otpId });
          waitUntil = Date.now() + input.otpExpiryMs + otpWaitGraceMs(input.otpExpiryMs);
        }
      }
    }

    await recordStatus(jobId, 'queued');

    stage = 'photo_processing';
    await recordStatus(jobId, 'photo_processing');
    const photo = await validatePhoto({ jobId, selfieKey });
    if (photo.label !== 'APPROVED' || !photo.portraitKey) {
      // A verdict, not an outage: retrying cannot change it.
      throw ApplicationFailure.nonRetryable(photo.reason, photo.label);
    }
    await recordStatus(jobId, 'photo_done', {
      photoLabel: photo.label,
      detail: { validator: photo.validator, usage: photo.usage },
      assets: [{ kind: 'portrait', key: photo.portraitKey }],
    });

    stage = 'lipsync_processing';
    await recordStatus(jobId, 'lipsync_processing');
    const clip = await generateLipsync({ jobId, portraitKey: photo.portraitKey, answers });
    await recordStatus(jobId, 'lipsync_done', {
      detail: { generator: clip.generator, ...(clip.predictionId ? { predictionId: clip.predictionId } : {}) },
      assets: [{ kind: 'lipsync', key: clip.clipKey }],
    });

    stage = 'stitching';
    await recordStatus(jobId, 'stitching');
    const video = await stitchVideo({ jobId, clipKey: clip.clipKey });
    await recordStatus(jobId, 'uploaded', {
      detail: { strategy: video.strategy, bytes: video.bytes, durationSeconds: video.durationSeconds },
      assets: [
        { kind: 'video', key: video.videoKey },
        { kind: 'thumbnail', key: video.thumbnailKey },
      ],
    });

    // The user's slot frees now; delivery outlives this run.
    await startChild(closeupDeliveryWorkflow, {
      workflowId: deliveryWorkflowId(jobId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ jobId, videoKey: video.videoKey }],
    });
    return { jobId, status: 'uploaded' };
  } catch (error) {
    const failure = isCancellation(error)
      ? { code: WORKFLOW_ERROR_CODES.cancelled, message: 'cancelled by an admin' }
      : failureOf(error);
    await CancellationScope.nonCancellable(() => jobs.recordFailure({ jobId, stage, ...failure }));
    trackStatus('failed', stage);
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(`${stage} failed: ${failure.message}`, failure.code);
  }
}
