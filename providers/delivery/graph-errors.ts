import { z } from 'zod';
import type { HttpErrorResponse } from '../http.js';
import { ProviderError } from '../provider-error.js';

/** The Graph API's documented error body. */
const GraphErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/**
 * Graph error codes worth retrying, with how long to wait when no Retry-After comes with them.
 * Everything else (131026 undeliverable, 131030 not in allowed list, 131047 outside the 24 h
 * window, 132000-series template problems, 190 expired token, 100 bad parameter …) is permanent.
 */
const RETRY_LATER_MS: ReadonlyMap<number, number> = new Map([
  [130429, 5_000], // Cloud API throughput limit
  [131056, 10_000], // pair rate limit: too many messages to this recipient in a short time
  [80007, 60_000], // WhatsApp Business Account rate limit
  [4, 60_000], // application request limit
  [131016, 30_000], // service temporarily unavailable
  [131000, 5_000], // "something went wrong": Meta advises trying again
  [1, 5_000], // unknown API error
  [2, 5_000], // API service temporarily unavailable
]);

/** WHATSAPP_<graph code> for errors whose body Graph explains; undefined keeps http.ts's WHATSAPP_<status>. */
export function classifyGraphError(response: HttpErrorResponse): ProviderError | undefined {
  const parsed = GraphErrorBody.safeParse(parseJson(response.body));
  if (!parsed.success) return undefined;
  const { code, message, error_data: data, fbtrace_id: trace } = parsed.data.error;
  const hint = RETRY_LATER_MS.get(code);
  const retryable = hint !== undefined || response.status >= 500;
  const retryAfterMs = response.retryAfterMs ?? hint;
  const details = data?.details ? ` (${data.details})` : '';
  return new ProviderError(`WHATSAPP_${code}`, `WhatsApp error ${code}: ${message}${details}${trace ? ` [fbtrace_id ${trace}]` : ''}`, {
    retryable,
    ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
