import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../../db/client.js';
import { decryptPhone, type PhoneKeys } from '../../lib/phone-crypto.js';
import { generateOtpCode, hashOtp } from '../../lib/secrets.js';
import type { OtpSender } from '../../providers/ports.js';
import { toActivityFailure } from '../../providers/provider-error.js';

export interface OtpActivityDeps {
  sql: Sql;
  sender: OtpSender;
  phoneKeys: PhoneKeys;
  otpExpiryMinutes: number;
}

export function otpText(code: string, expiryMinutes: number): string {
  return `${code} is your Close-Up verification code. It expires in ${expiryMinutes >= 1 ? `${Math.round(expiryMinutes)} minutes` : `${Math.round(expiryMinutes * 60)} seconds`}. Never share it.`;
}

export function createOtpActivities(deps: OtpActivityDeps) {
  return {
    /**
     * Fills a reserved OTP row with a fresh code and texts it, at most once. The code exists only
     * here and in the message: the database keeps its hash, the workflow history never sees it.
     * The row is claimed (`sent_at` set, with the code's hash) before the text goes out, so an
     * attempt after a crash mid-send finds it claimed and does not text again: SMS gateways take no
     * idempotency key, and a second text with a new code would make the first one wrong. Had the
     * crash come before the gateway sent it, the user asks for another code (resend). A send the
     * gateway refused gives the claim back, and the next attempt texts a new code.
     * Returns `sent: false` when the code was superseded or used before it went out.
     */
    async sendOtp(request: { jobId: number; otpId: number }): Promise<{ sent: boolean }> {
      // The API reserves the code in the transaction that starts (or signals) this workflow, under
      // the user's row lock: wait for that transaction to end, or the code may not be visible yet.
      await deps.sql.begin((tx) => tx`select u.id from users u join jobs j on j.owner = u.id::text where j.id = ${request.jobId} for no key update of u`);
      const [otp] = await deps.sql<{ sent_at: Date | null; superseded_at: Date | null; used_at: Date | null; phone_encrypted: Buffer }[]>`
        select o.sent_at, o.superseded_at, o.used_at, u.phone_encrypted
        from user_otp o join users u on u.id = o.user_id
        where o.id = ${request.otpId} and o.job_id = ${request.jobId}`;
      if (!otp) throw ApplicationFailure.nonRetryable(`OTP ${request.otpId} of job ${request.jobId} does not exist`, 'OTP_NOT_FOUND');
      if (otp.superseded_at || otp.used_at) return { sent: false };
      if (otp.sent_at) return { sent: true };

      const code = generateOtpCode();
      const [claimed] = await deps.sql`
        update user_otp set sent_at = now(), code_hash = ${hashOtp(code, request.otpId, request.jobId)},
               expires_at = now() + ${Math.round(deps.otpExpiryMinutes * 60_000)} * interval '1 millisecond'
        where id = ${request.otpId} and sent_at is null and superseded_at is null and used_at is null
        returning id`;
      if (!claimed) {
        // Another attempt claimed it meanwhile (sent), or it was superseded or used (not sent).
        const [now] = await deps.sql<{ sent: boolean }[]>`
          select sent_at is not null and superseded_at is null and used_at is null as sent from user_otp where id = ${request.otpId}`;
        return { sent: now?.sent === true };
      }
      try {
        await deps.sender.send({ to: decryptPhone(deps.phoneKeys, otp.phone_encrypted), text: otpText(code, deps.otpExpiryMinutes) });
      } catch (error) {
        await deps.sql`update user_otp set sent_at = null, code_hash = null where id = ${request.otpId}`;
        throw toActivityFailure(error);
      }
      return { sent: true };
    },
  };

}

export type OtpActivities = ReturnType<typeof createOtpActivities>;
