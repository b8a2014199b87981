import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { httpRequest } from '../http.js';
import type { OtpSender } from '../ports.js';

export const SIGNATURE_HEADER = 'X-Reelflow-Signature';
export const TIMESTAMP_HEADER = 'X-Reelflow-Timestamp';

/** An optional `{ "id": "…" }` in the receiver's answer is kept as the provider's message id. */
const ReceiverAnswer = z.object({ id: z.string().min(1) });

/**
 * POSTs `{"to","text"}` to an SMS gateway of the operator's choosing. The receiver checks
 * `X-Reelflow-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` and rejects
 * stale `X-Reelflow-Timestamp`s, so a captured request cannot be replayed (docs/otp-sms-webhook.md).
 */
export function createWebhookOtpSender(options: { url: string; secret: string; timeoutMs?: number; now?: () => number }): OtpSender {
  const now = options.now ?? Date.now;
  return {
    name: 'webhook',
    async send(message, signal) {
      const body = JSON.stringify({ to: message.to, text: message.text });
      const timestamp = String(Math.floor(now() / 1000));
      const signature = createHmac('sha256', options.secret).update(`${timestamp}.${body}`).digest('hex');
      const response = await httpRequest({
        provider: 'SMS_WEBHOOK',
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${signature}` },
        body,
        timeoutMs: options.timeoutMs ?? 15_000,
        ...(signal ? { signal } : {}),
      });
      const answer = ReceiverAnswer.safeParse(await response.json().catch(() => undefined));
      return answer.success ? { providerMessageId: answer.data.id } : {};
    },
  };
}
