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

interface ReservationRow {
  cooling: boolean;
  capped: boolean;
  last_at: Date | null;
  oldest_at: Date | null;
  otp_id: number | null;
}

/**
 * Reserves the next code for a job when the number may receive one: not within the cooldown of
 * the previous send (resends and re-submissions) and not over the hourly cap. A reservation
 * supersedes the job's earlier codes at once: they stop working before the new one is sent.
 * One statement (a round trip), run after lockUser: its snapshot then includes every code
 * reserved before the lock was granted.
 */
export async function reserveOtp(tx: Tx, policy: OtpPolicy, request: { userId: string; jobId: number; enforceCooldown: boolean }): Promise<OtpReservation> {
  const { userId, jobId } = request;
  const [row] = await tx<ReservationRow[]>`
    with recent as (
      select count(*)::int as sends, max(created_at) as last_at, min(created_at) as oldest_at
      from user_otp where user_id = ${userId} and created_at > now() - interval '1 hour'
    ), verdict as (
      select last_at, oldest_at,
             ${request.enforceCooldown}::boolean and last_at is not null
               and last_at + ${policy.OTP_RESEND_COOLDOWN_SECONDS} * interval '1 second' > clock_timestamp() as cooling,
             sends >= ${policy.OTP_MAX_SENDS_PER_HOUR} and oldest_at is not null as capped
      from recent
    ), superseded as (
      update user_otp set superseded_at = now()
      where job_id = ${jobId} and used_at is null and superseded_at is null and (select not cooling and not capped from verdict)
    ), reserved as (
      insert into user_otp (user_id, job_id, max_attempts)
      select ${userId}::uuid, ${jobId}::bigint, ${policy.OTP_MAX_ATTEMPTS}::int from verdict where not cooling and not capped
      returning id
    )
    select cooling, capped, last_at, oldest_at, (select id from reserved) as otp_id from verdict`;
  if (!row) throw new Error('OTP reservation returned no row');
  if (row.otp_id !== null) return { otpId: row.otp_id };
  const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));
  if (row.cooling && row.last_at) return { retryAfterSeconds: secondsUntil(row.last_at.getTime() + policy.OTP_RESEND_COOLDOWN_SECONDS * 1000), reason: 'cooldown' };
  if (row.capped && row.oldest_at) return { retryAfterSeconds: secondsUntil(row.oldest_at.getTime() + 3600_000), reason: 'hourly_cap' };
  throw new Error('OTP reservation refused without a reason');
}

/**
 * lockUser, then reserveOtp, in one round trip: the reservation is sent behind the lock's
 * statement (pipelined on the transaction's connection) and the server runs it once the lock is
 * granted, with a snapshot of its own, as if it had been sent after.
 */
export async function lockUserAndReserveOtp(tx: Tx, policy: OtpPolicy, request: { userId: string; jobId: number; enforceCooldown: boolean }): Promise<OtpReservation> {
  const [, reservation] = await Promise.all([lockUser(tx, request.userId), reserveOtp(tx, policy, request)]);
  return reservation;
}
