import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { readBody, sendJson, startLoopbackServer, type LoopbackServer } from './loopback.js';
import { createRateLimiter, type RateLimitOption } from './rate-limit.js';

/** What a fake answers instead of its normal response, once per scripted entry. */
export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

function answerScripted(response: ServerResponse, answer: ScriptedAnswer): void {
  if (answer === 'hang') return; // never answers: the client's timeout must fire
  sendJson(response, answer.status, answer.body, answer.headers);
}

export interface SmsWebhookReceipt {
  to: string;
  text: string;
}

/**
 * An SMS gateway that follows docs/otp-sms-webhook.md independently of the sender's code:
 * HMAC-SHA256 over "<timestamp>.<raw body>", hex, constant-time compare, 5-minute freshness.
 * Given `rateLimit`, texts beyond it are answered 429 with Retry-After (counted in `tooManyRequests`).
 */
export async function startSmsWebhookReceiver(options: { secret: string; toleranceSeconds?: number; rateLimit?: RateLimitOption }) {
  const received: SmsWebhookReceipt[] = [];
  const rejected: string[] = [];
  const script: ScriptedAnswer[] = [];
  const tolerance = options.toleranceSeconds ?? 300;
  const limiter = createRateLimiter(options.rateLimit);
  const server: LoopbackServer = await startLoopbackServer(async (request, response) => {
    const raw = await readBody(request);
    if (!limiter.admit()) return sendJson(response, 429, { error: 'rate limited' }, { 'retry-after': String(limiter.retryAfterSeconds()) });
    const next = script.shift();
    if (next) return answerScripted(response, next);
    const timestamp = String(request.headers['x-reelflow-timestamp'] ?? '');
    const signature = String(request.headers['x-reelflow-signature'] ?? '');
    const expected = `sha256=${createHmac('sha256', options.secret).update(`${timestamp}.`).update(raw).digest('hex')}`;
    const signed = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= tolerance;
    if (!signed || !fresh) {
      rejected.push(!signed ? 'bad signature' : 'stale timestamp');
      return sendJson(response, 401, { error: !signed ? 'bad signature' : 'stale timestamp' });
    }
    const body = JSON.parse(raw.toString('utf8')) as SmsWebhookReceipt;
    received.push(body);
    sendJson(response, 200, { id: `sms-${received.length}` });
  });
  return {
    ...server,
    received,
    rejected,
    script,
    /** Texts answered 429 because they came beyond `rateLimit`. */
    get tooManyRequests() {
      return limiter.refused;
    },
  };
}

export interface TwilioSent {
  sid: string;
  to: string;
  from: string;
  body: string;
}

/**
 * Twilio's Messages API as documented: basic auth with the account SID and token, form-encoded
 * To/From/Body, 201 with a message resource, errors as {code, message, more_info, status}. Given
 * `rateLimit`, requests beyond it are answered 429 with error 20429 (counted in `tooManyRequests`).
 */
export async function startTwilioFake(options: { accountSid: string; authToken: string; invalidNumbers?: string[]; unsubscribedNumbers?: string[]; rateLimit?: RateLimitOption }) {
  const sent: TwilioSent[] = [];
  const script: ScriptedAnswer[] = [];
  const limiter = createRateLimiter(options.rateLimit);
  const twilioError = (response: ServerResponse, status: number, code: number, message: string) =>
    sendJson(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  const server = await startLoopbackServer(async (request, response) => {
    const form = new URLSearchParams((await readBody(request)).toString('utf8'));
    if (!limiter.admit()) return twilioError(response, 429, 20429, 'Too Many Requests');
    const next = script.shift();
    if (next) return answerScripted(response, next);
    if (request.method !== 'POST' || request.url !== `/2010-04-01/Accounts/${options.accountSid}/Messages.json`) {
      return twilioError(response, 404, 20404, `The requested resource ${request.url} was not found`);
    }
    const expected = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return twilioError(response, 401, 20003, 'Authenticate');
    const to = form.get('To') ?? '';
    if (!form.get('Body') || !form.get('From')) return twilioError(response, 400, 21602, 'Message body is required.');
    if (!/^\+[1-9]\d{6,14}$/.test(to) || options.invalidNumbers?.includes(to)) {
      return twilioError(response, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (options.unsubscribedNumbers?.includes(to)) {
      return twilioError(response, 400, 21610, 'Attempt to send to unsubscribed recipient');
    }
    const sid = `SM${String(sent.length + 1).padStart(32, '0')}`;
    sent.push({ sid, to, from: form.get('From') ?? '', body: form.get('Body') ?? '' });
    sendJson(response, 201, { sid, status: 'queued', to, from: form.get('From'), body: form.get('Body'), account_sid: options.accountSid });
  });
  return {
    ...server,
    sent,
    script,
    /** Requests answered 429 (20429) because they came beyond `rateLimit`. */
    get tooManyRequests() {
      return limiter.refused;
    },
  };
}
