import { z } from 'zod';
import { httpJson } from '../http.js';
import { ProviderError } from '../provider-error.js';
import type { OtpSender } from '../ports.js';

/** Twilio's documented error body, e.g. `{"code":21211,"message":"The 'To' number … is not a valid phone number.","more_info":"…","status":400}`. */
const TwilioError = z.object({ code: z.number().int(), message: z.string(), more_info: z.string().optional(), status: z.number().int().optional() });
const TwilioMessage = z.object({ sid: z.string().min(1) });

/**
 * Twilio Messages API. Errors carry Twilio's own code (TWILIO_21211 invalid number,
 * TWILIO_21610 unsubscribed, …); 429 and 5xx retry, other 4xx fail at once.
 */
export function createTwilioOtpSender(options: {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs?: number;
}): OtpSender {
  const url = `${options.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(message, signal) {
      const answer = await httpJson<unknown>({
        provider: 'TWILIO',
        url,
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: message.to, From: options.from, Body: message.text }).toString(),
        timeoutMs: options.timeoutMs ?? 15_000,
        ...(signal ? { signal } : {}),
        classifyError: ({ body, retryable, retryAfterMs }) => {
          const error = TwilioError.safeParse(safeJson(body));
          if (!error.success) return undefined;
          return new ProviderError(`TWILIO_${error.data.code}`, `Twilio error ${error.data.code}: ${error.data.message}`, {
            retryable,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        },
      });
      const sent = TwilioMessage.safeParse(answer);
      if (!sent.success) throw new ProviderError('TWILIO_BAD_RESPONSE', 'Twilio accepted the message but answered without a sid', { retryable: false });
      return { providerMessageId: sent.data.sid };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
