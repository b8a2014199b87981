import { ProviderError, parseRetryAfter } from './provider-error.js';

/** A non-2xx answer, with the verdict of the default rule, for adapters whose providers put their own code in the body. */
export interface HttpErrorResponse {
  status: number;
  body: string;
  retryable: boolean;
  retryAfterMs: number | undefined;
}

export interface HttpCall {
  /** Names the provider in error codes: `${provider}_${status}`, `${provider}_TIMEOUT`, `${provider}_NETWORK`. */
  provider: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: RequestInit["body"];
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Turns a provider's documented error body into a ProviderError; undefined keeps the default `${provider}_${status}`. */
  classifyError?: (response: HttpErrorResponse) => ProviderError | undefined;
}

/**
 * fetch with a deadline and the transient/permanent rule every adapter follows:
 * 408, 409, 425, 429 and 5xx, timeouts and network errors retry (with Retry-After when given);
 * any other 4xx fails fast. The response is returned only when it is 2xx.
 */
export async function httpRequest(call: HttpCall): Promise<Response> {
  const timeout = AbortSignal.timeout(call.timeoutMs ?? 30_000);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(call.url, { method: call.method ?? 'GET', headers: call.headers, body: call.body, signal });
  } catch (error) {
    if (call.signal?.aborted) throw error;
    if (timeout.aborted) {
      throw new ProviderError(`${call.provider}_TIMEOUT`, `${call.provider} did not answer within ${call.timeoutMs ?? 30_000} ms`, { retryable: true, cause: error });
    }
    throw new ProviderError(`${call.provider}_NETWORK`, `${call.provider} unreachable: ${(error as Error).message}`, { retryable: true, cause: error });
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  const retryable = [408, 409, 425, 429].includes(response.status) || response.status >= 500;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const classified = call.classifyError?.({ status: response.status, body: text, retryable, retryAfterMs });
  if (classified) throw classified;
  throw new ProviderError(`${call.provider}_${response.status}`, `${call.provider} answered ${response.status}: ${text.slice(0, 300)}`, {
    retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

export async function httpJson<T>(call: HttpCall): Promise<T> {
  const response = await httpRequest(call);
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new ProviderError(`${call.provider}_BAD_RESPONSE`, `${call.provider} answered with a body that is not JSON`, { retryable: true, cause: error });
  }
}
