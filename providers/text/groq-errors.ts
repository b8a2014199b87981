import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'groq-sdk';
import { z } from 'zod';
import { parseRetryAfter, ProviderError } from '../provider-error.js';

/**
 * Groq's chat-completion failures, read from the SDK's errors. Groq answers errors as
 * {error: {message, type, code}}; a structured-output answer that fails Groq's own JSON check
 * comes back as 400 json_validate_failed with the model's text in `failed_generation`.
 */

const ErrorBodySchema = z.object({
  error: z.object({ message: z.string().optional(), code: z.string().nullish(), failed_generation: z.string().nullish() }),
});

// 498: Flex tier out of capacity (console.groq.com/docs/errors).
const TRANSIENT_STATUSES = new Set([408, 409, 425, 429, 498]);

function groqBody(error: unknown) {
  if (!(error instanceof APIError)) return undefined;
  const body = ErrorBodySchema.safeParse(error.error);
  return body.success ? body.data.error : undefined;
}

/**
 * True for Groq's 400 refusing `response_format: json_schema` for a model without structured
 * outputs ("This model does not support response format `json_schema`") or refusing the schema
 * itself; JSON-object mode still works there.
 */
export function refusesJsonSchema(error: unknown): boolean {
  const message = groqBody(error)?.message ?? '';
  return error instanceof APIError && error.status === 400 && /json_schema|response.format|strict/i.test(message) && /not support|unsupported|invalid schema|not one of the allowed values/i.test(message);
}

/** The model's rejected text when Groq refused its JSON (400 json_validate_failed), else undefined. */
export function failedGeneration(error: unknown): string | undefined {
  const body = groqBody(error);
  return error instanceof APIError && error.status === 400 && body?.code === 'json_validate_failed' ? (body.failed_generation ?? '') : undefined;
}

/**
 * Groq's failure as a ProviderError `GROQ_<status>`: 408/409/425/429/498, 5xx, timeouts
 * (GROQ_TIMEOUT) and network errors (GROQ_NETWORK) retry, with Groq's retry-after; other 4xx fail
 * fast. A cancellation (the caller's signal) is passed through as it is.
 */
export function groqFailure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof APIUserAbortError || signal?.aborted) return error;
  if (error instanceof APIConnectionTimeoutError) return new ProviderError('GROQ_TIMEOUT', 'Groq did not answer in time', { retryable: true, cause: error });
  if (error instanceof APIConnectionError) return new ProviderError('GROQ_NETWORK', `Groq unreachable: ${error.message}`, { retryable: true, cause: error });
  if (!(error instanceof APIError) || typeof error.status !== 'number') return error;
  const body = groqBody(error);
  const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'));
  return new ProviderError(`GROQ_${error.status}`, `Groq answered ${error.status}${body?.code ? ` (${body.code})` : ''}: ${(body?.message ?? '').slice(0, 300)}`, {
    retryable: TRANSIENT_STATUSES.has(error.status) || error.status >= 500,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause: error,
  });
}
