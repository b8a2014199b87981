import { Webhook } from 'standardwebhooks';
import { guardedFetch } from '../net/guarded-fetch.js';
import { ProviderError } from '../../providers/provider-error.js';

/**
 * Webhooks to users' URLs, signed per Standard Webhooks 1.0 (https://www.standardwebhooks.com,
 * spec/standard-webhooks.md in github.com/standard-webhooks/standard-webhooks) with its reference
 * library: `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by
 * the secret. Any Standard Webhooks library verifies them given the same `whsec_` secret.
 */

const SECRET_PREFIX = 'whsec_';

export interface WebhookHeaders {
  'webhook-id': string;
  /** Unix seconds, as a decimal string. */
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface WebhookToSign {
  /** The same for every attempt at one event (receivers drop repeats by it); must not contain `.`. */
  id: string;
  /** Unix seconds of this attempt (each retry signs anew, so receivers can refuse replays). */
  timestamp: number;
  /** The exact bytes sent. */
  body: string;
  /**
   * WEBHOOK_SIGNING_SECRET. As the spec serialises it, `whsec_` + base64 of the key (24–64 random
   * bytes). Without the prefix the secret's UTF-8 bytes are the key: receivers then verify with
   * `whsec_` + base64 of them. Throws ProviderError WEBHOOK_BAD_SECRET (permanent) when the part
   * after `whsec_` is not base64.
   */
  secret: string;
}

/** The three Standard Webhooks headers for one attempt. Throws on an id containing `.` (the spec forbids it). */
export function signWebhook({ id, timestamp, body, secret }: WebhookToSign): WebhookHeaders {
  if (id.length === 0 || id.includes('.')) throw new Error(`webhook id must be non-empty and contain no '.', got ${JSON.stringify(id)}`);
  if (!Number.isSafeInteger(timestamp)) throw new Error(`webhook timestamp must be whole unix seconds, got ${timestamp}`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signer(secret).sign(id, new Date(timestamp * 1000), body),
  };
}

function signer(secret: string): Webhook {
  if (!secret.startsWith(SECRET_PREFIX)) return new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new ProviderError('WEBHOOK_BAD_SECRET', `the webhook signing secret is ${SECRET_PREFIX} followed by something that is not base64`, { retryable: false, cause: error });
  }
}

export interface WebhookDelivery {
  /** The user's webhook_url: checked and fetched under lib/net/remote-url.ts's rules. */
  url: string;
  id: string;
  /** Sent as JSON.stringify gives it; those exact bytes are signed. */
  payload: unknown;
  secret: string;
  /** REMOTE_FETCH_ALLOW_HOSTS. */
  allowHosts: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * POSTs one signed attempt and returns the receiver's 2xx status. As the spec advises, a redirect
 * is a failure (not followed) and 410 Gone means the receiver wants no more: WEBHOOK_GONE,
 * permanent. Other answers as guardedFetch classifies them with provider WEBHOOK: WEBHOOK_<status>
 * permanent for 3xx and 4xx except 408, 409, 425 and 429; retryable for those, 5xx (with
 * Retry-After), WEBHOOK_TIMEOUT and WEBHOOK_NETWORK; WEBHOOK_BLOCKED for a refused URL.
 */
export async function deliverWebhook(delivery: WebhookDelivery): Promise<{ status: number }> {
  const body = JSON.stringify(delivery.payload);
  const headers = signWebhook({ id: delivery.id, timestamp: Math.floor(Date.now() / 1000), body, secret: delivery.secret });
  try {
    const response = await guardedFetch(delivery.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      allowHosts: delivery.allowHosts,
      timeoutMs: delivery.timeoutMs,
      signal: delivery.signal,
      maxRedirects: 0,
      // Only the status counts: the answer's body is not read.
      discardBody: true,
      maxBytes: 0,
      provider: 'WEBHOOK',
      label: 'webhook_url',
    });
    return { status: response.status };
  } catch (error) {
    if (error instanceof ProviderError && error.code === 'WEBHOOK_410') {
      throw new ProviderError('WEBHOOK_GONE', `webhook_url answered 410 Gone: the receiver wants no more webhooks`, { retryable: false, cause: error });
    }
    throw error;
  }
}
