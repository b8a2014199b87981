import { deliveryWorkflowId } from '../../../workflows/closeup/contract.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../../support/closeup-stack.js';
import { flatImage } from '../../support/images.js';
import { waitUntil } from '../../support/job-streams.js';
import { jobRun, type Recorded } from './recording.js';

/**
 * Close-Up: a new number through OTP to sent (and its delivery child), a re-submission while the
 * code is awaited, an unanswered code, a rejected photo and an admin's retry of it (a reset run), and an
 * admin's cancel while awaiting the code.
 */
export async function recordCloseup(): Promise<Recorded[]> {
  // Six seconds to answer: long enough to verify, short enough to record an expiry.
  const stack = await startCloseupStack({ env: { OTP_EXPIRY_MINUTES: '0.1' } });
  try {
    return [
      ...(await otpVerifiedSent(stack)),
      await otpResubmitted(stack),
      await otpExpired(stack),
      ...(await photoRejected(stack)),
      await cancelledWhileAwaitingOtp(stack),
    ];
  } finally {
    await stack.stop();
  }
}

async function submitted(stack: CloseupStack, form: Parameters<CloseupStack['submit']>[0], expected: string): Promise<number> {
  const reply = await stack.submit(form);
  if (reply.body.status !== expected) throw new Error(`submit answered ${JSON.stringify(reply.body)}, expected ${expected}`);
  return reply.body.job_id as number;
}

async function ended(stack: CloseupStack, jobId: number, statuses: Parameters<CloseupStack['waitForStatus']>[1]): Promise<{ workflowId: string; runId: string }> {
  await stack.waitForStatus(jobId, statuses);
  await stack.runClosed(jobId);
  return jobRun(stack.sql, jobId);
}

async function otpVerifiedSent(stack: CloseupStack): Promise<Recorded[]> {
  const mobile = freshMobile();
  const jobId = await submitted(stack, { mobile_number: mobile }, 'otp_sent');
  await stack.verify(mobile, await stack.codeFor(mobile));
  const run = await ended(stack, jobId, ['sent']);
  return [
    { scenario: 'otp-verified-uploaded', ...run },
    { scenario: 'sent', workflowId: deliveryWorkflowId(jobId) },
  ];
}

async function otpResubmitted(stack: CloseupStack): Promise<Recorded> {
  const mobile = freshMobile();
  const jobId = await submitted(stack, { mobile_number: mobile }, 'otp_sent');
  const again = await submitted(stack, { mobile_number: mobile, vibe: 'Adventure' }, 'otp_sent');
  if (again !== jobId) throw new Error(`a re-submission made job ${again}, not ${jobId}`);
  await stack.verify(mobile, await stack.codeFor(mobile));
  return { scenario: 'otp-resubmitted-uploaded', ...(await ended(stack, jobId, ['uploaded', 'sent'])) };
}

async function otpExpired(stack: CloseupStack): Promise<Recorded> {
  const jobId = await submitted(stack, { mobile_number: freshMobile() }, 'otp_sent');
  return { scenario: 'otp-expired', ...(await ended(stack, jobId, ['otp_expired'])) };
}

/** A rejected photo, then an admin's retry: a reset to before the photo stage, which rejects the same photo again. */
async function photoRejected(stack: CloseupStack): Promise<Recorded[]> {
  const blank = await flatImage(900, 1200).jpeg().toBuffer();
  const jobId = await submitted(stack, { mobile_number: await stack.verifiedMobile(), photo: blank }, 'video_created');
  const rejected = await ended(stack, jobId, ['failed']);
  const retry = await stack.admin(`/api/v1/video-jobs/update-job?job_id=${jobId}&status=queued`, { method: 'PATCH' });
  if (retry.status !== 200) throw new Error(`admin retry answered ${retry.status} ${JSON.stringify(retry.body)}`);
  const reset = await ended(stack, jobId, ['failed']);
  if (reset.runId === rejected.runId) throw new Error(`the retry of job ${jobId} left no reset run`);
  return [
    { scenario: 'photo-rejected', ...rejected },
    { scenario: 'reset-photo-rejected-again', ...reset },
  ];
}

async function cancelledWhileAwaitingOtp(stack: CloseupStack): Promise<Recorded> {
  const jobId = await submitted(stack, { mobile_number: freshMobile() }, 'otp_sent');
  // Cancelled in the wait for the code (its timer started), not while the submission is still being recorded.
  const run = await jobRun(stack.sql, jobId);
  const waiting = async () => (await stack.temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events?.some((event) => event.timerStartedEventAttributes) ?? false;
  await waitUntil(waiting, 'the wait for the code', 30_000);
  const cancel = await stack.admin(`/api/v1/video-jobs/update-job?job_id=${jobId}&status=failed`, { method: 'PATCH' });
  if (cancel.status !== 200) throw new Error(`admin cancel answered ${cancel.status} ${JSON.stringify(cancel.body)}`);
  return { scenario: 'cancelled', ...(await ended(stack, jobId, ['failed'])) };
}
