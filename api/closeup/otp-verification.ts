import { WorkflowNotFoundError } from '@temporalio/client';
import { otpMatches } from '../../lib/secrets.js';
import { otpRequestedSignal, otpVerifiedSignal } from '../../workflows/closeup/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';
import { findActiveJob, type ActiveJob } from './active-job.js';
import { lockUserAndReserveOtp } from './otp-policy.js';
import { findUser } from './users.js';

function phoneKeys(deps: AppDeps) {
  return { encryptionKey: deps.config.PHONE_ENCRYPTION_KEY, indexKey: deps.config.PHONE_HASH_KEY };
}

/** The job waiting for this number's OTP, or the reason there is none, as an API error. */
async function jobAwaitingOtp(deps: AppDeps, e164: string): Promise<{ userId: string; job: ActiveJob }> {
  const user = await findUser(deps.sql, phoneKeys(deps), e164);
  // Verified once is verified for good: a used code, or a late resend, has nothing left to do.
  if (user?.verified) throw new ApiError(409, 'AlreadyVerified', 'This number is already verified: no OTP is needed.');
  const job = user ? await findActiveJob(deps.sql, user.id) : undefined;
  if (!user || !job || job.status !== 'awaiting_otp') {
    const [latest] = user ? await deps.sql<{ status: string }[]>`select j.status from jobs j join closeup_jobs c on c.job_id = j.id where c.user_id = ${user.id} order by j.id desc limit 1` : [];
    if (latest?.status === 'otp_expired') throw new ApiError(410, 'OtpExpired', 'This OTP has expired. Please submit the form again.');
    throw new ApiError(404, 'NoPendingOtp', 'No OTP is pending for this number. Submit the form to get one.');
  }
  return { userId: user.id, job };
}

export async function verifyOtp(deps: AppDeps, e164: string, code: string): Promise<{ jobId: number }> {
  const { userId, job } = await jobAwaitingOtp(deps, e164);
  const [otp] = await deps.sql<{ id: number; expires_at: Date | null; attempts: number; max_attempts: number; used_at: Date | null }[]>`
    select id, expires_at, attempts, max_attempts, used_at from user_otp
    where job_id = ${job.id} and superseded_at is null and code_hash is not null
    order by id desc limit 1`;
  if (!otp) throw new ApiError(409, 'OtpNotSentYet', 'Your code is on its way. Please try again in a moment.');

  // One attempt is spent per request, under the row lock: parallel requests cannot exceed the limit.
  const [attempt] = await deps.sql<{ attempts: number; max_attempts: number; code_hash: Buffer }[]>`
    update user_otp set attempts = attempts + 1
    where id = ${otp.id} and attempts < max_attempts and used_at is null and superseded_at is null and expires_at > now()
    returning attempts, max_attempts, code_hash`;
  if (!attempt) {
    if (otp.used_at) throw new ApiError(410, 'OtpUsed', 'This code has already been used.');
    if (otp.expires_at && otp.expires_at.getTime() <= Date.now()) throw new ApiError(410, 'OtpExpired', 'This OTP has expired. Please request a new one.');
    throw new ApiError(429, 'TooManyAttempts', 'Too many wrong attempts. Please request a new OTP.', { attempts_left: 0 });
  }
  if (!otpMatches(code, otp.id, job.id, attempt.code_hash)) {
    const left = attempt.max_attempts - attempt.attempts;
    throw new ApiError(400, 'InvalidOtp', 'Invalid OTP. Please try again.', { attempts_left: left }, { attempts_left: left });
  }

  const consumed = await deps.sql.begin(async (tx) => {
    const [used] = await tx`update user_otp set used_at = now() where id = ${otp.id} and used_at is null returning id`;
    if (!used) return false;
    await tx`
      insert into user_verification (user_id, is_verified, verified_at) values (${userId}, true, now())
      on conflict (user_id) do update set is_verified = true, verified_at = coalesce(user_verification.verified_at, now()), updated_at = now()`;
    return true;
  });
  if (!consumed) throw new ApiError(410, 'OtpUsed', 'This code has already been used.');
  try {
    await deps.temporal.workflow.getHandle(job.workflowId).signal(otpVerifiedSignal);
  } catch (error) {
    // The number is proven either way; only this job is gone (its wait ended).
    if (error instanceof WorkflowNotFoundError) throw new ApiError(410, 'OtpExpired', 'Your number is verified, but this submission expired. Please submit again.');
    throw error;
  }
  return { jobId: job.id };
}

export async function resendOtp(deps: AppDeps, e164: string): Promise<{ jobId: number }> {
  const { userId, job } = await jobAwaitingOtp(deps, e164);
  const reservation = await deps.sql.begin((tx) => lockUserAndReserveOtp(tx, deps.config, { userId, jobId: job.id, enforceCooldown: true }));
  if (!('otpId' in reservation)) {
    const message =
      reservation.reason === 'cooldown'
        ? `Please wait ${reservation.retryAfterSeconds} s before asking for a new OTP.`
        : `Too many OTPs for this number. Please try again in ${Math.ceil(reservation.retryAfterSeconds / 60)} minutes.`;
    const extra = { retry_after_seconds: reservation.retryAfterSeconds };
    throw new ApiError(429, 'TooManyRequests', message, extra, extra);
  }
  await deps.temporal.workflow.getHandle(job.workflowId).signal(otpRequestedSignal, { otpId: reservation.otpId });
  return { jobId: job.id };
}
