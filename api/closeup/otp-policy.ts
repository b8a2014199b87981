import type { Config } from '../../lib/config.js';
import type { Tx } from '../../db/client.js';

export type OtpReservation = { otpId: number } | { retryAfterSeconds: number; reason: 'cooldown' | 'hourly_cap' };

export type OtpPolicy = Pick<Config, 'OTP_MAX_ATTEMPTS' | 'OTP_RESEND_COOLDOWN_SECONDS' | 'OTP_MAX_SENDS_PER_HOUR'>;

/**
 * Serialises OTP decisions for one user: the callers below run under this lock. NO KEY UPDATE, not
 * UPDATE: rows that reference the user (the workflow creating its job) must not wait on it, or a
 * submission and its own workflow's first activity can deadlock.
 */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx`select id from users where id = ${userId} for no key update`;
}

async function recentSends(tx: Tx, userId: string) {
  const [row] = await tx<{ sends: number; last_at: Date | null; oldest_at: Date | null }[]>`
    select count(*)::int as sends, max(created_at) as last_at, min(created_at) as oldest_at
    from user_otp where user_id = ${userId} and created_at > now() - interval '1 hour'`;
  return row ?? { sends: 0, last_at: null, oldest_at: null };
}

/** Seconds until the number may receive another code under the hourly cap; undefined when it may now. */
async function hourlyCapWait(tx: Tx, policy: OtpPolicy, userId: string): Promise<number | undefined> {
  const recent = await recentSends(tx, userId);
  if (recent.sends < policy.OTP_MAX_SENDS_PER_HOUR || !recent.oldest_at) return undefined;
  return Math.max(1, Math.ceil((recent.oldest_at.getTime() + 3600_000 - Date.now()) / 1000));
}

/**
 * Reserves the next code for a job when the number may receive one: not within the cooldown of
 * the previous send (resends and re-submissions) and not over the hourly cap. A reservation
 * supersedes the job's earlier codes at once: they stop working before the new one is sent.
 */
export async function reserveOtp(tx: Tx, policy: OtpPolicy, request: { userId: string; jobId: number; enforceCooldown: boolean }): Promise<OtpReservation> {
  if (request.enforceCooldown) {
    const { last_at: lastAt } = await recentSends(tx, request.userId);
    const wait = lastAt ? lastAt.getTime() + policy.OTP_RESEND_COOLDOWN_SECONDS * 1000 - Date.now() : 0;
    if (wait > 0) return { retryAfterSeconds: Math.ceil(wait / 1000), reason: 'cooldown' };
  }
  const capped = await hourlyCapWait(tx, policy, request.userId);
  if (capped !== undefined) return { retryAfterSeconds: capped, reason: 'hourly_cap' };
  await tx`update user_otp set superseded_at = now() where job_id = ${request.jobId} and used_at is null and superseded_at is null`;
  const [reserved] = await tx<{ id: number }[]>`
    insert into user_otp (user_id, job_id, max_attempts) values (${request.userId}, ${request.jobId}, ${policy.OTP_MAX_ATTEMPTS})
    returning id`;
  if (!reserved) throw new Error('OTP reservation returned no row');
  return { otpId: reserved.id };
}
