import { ApplicationFailure } from '@temporalio/common';

/**
 * An outside service's failure, classified once where it happens: transient ones (rate limits,
 * 5xx, timeouts) are retried by Temporal, honouring the provider's retry-after; permanent ones
 * fail the stage at once. `code` becomes the job's `last_error_code`, so it names the provider
 * and its error (e.g. `GROQ_400`, `WHATSAPP_131026`, `LIPSYNC_PREDICTION_FAILED`).
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Seconds or an HTTP date, as in a `Retry-After` header; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What an activity throws for a ProviderError: its code as the failure type, its retry advice for Temporal. */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: error.code,
    nonRetryable: !error.retryable,
    ...(error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
    ...(error.cause instanceof Error ? { cause: error.cause } : {}),
  });
}
