import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Six digits from the CSPRNG, leading zeros kept. */
export function generateOtpCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/**
 * Codes are hashed with the OTP row's id and job id as salt: a 6-digit space is small, so the
 * hash only keeps codes out of plain sight in the database; attempts are what the limit protects.
 */
export function hashOtp(code: string, otpId: number, jobId: number): Buffer {
  return createHash('sha256').update(`${otpId}:${jobId}:${code}`).digest();
}

export function otpMatches(code: string, otpId: number, jobId: number, stored: Buffer): boolean {
  const candidate = hashOtp(code, otpId, jobId);
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

/** An unguessable token for reading one job's status (job ids are sequential). */
export function generateTrackingToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashTrackingToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function constantTimeEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
