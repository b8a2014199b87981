import type { Outcome, RawRequest } from './raw-http.js';

/**
 * What an answer to a hostile request must be: never a 5xx; a refusal (4xx) in the API's error
 * shape `{ error, message, statusCode, details? }` with a request id in it or in X-Request-Id; and an
 * answer at all, unless the request itself never finished (a Content-Length promising more body).
 */

/** True when the request declares more body than it sends: the server cannot answer it and is right to wait or drop it. */
export function isIncomplete(request: RawRequest): boolean {
  const declared = request.headers.find(([name]) => /^content-length$/i.test(name))?.[1];
  if (declared === undefined || !/^\d+$/.test(declared)) return false;
  return Number(declared) > (request.body?.length ?? 0);
}

/** Whether an outcome refused the request (nothing may have been created): a 4xx or 5xx, or no answer at all. */
export function isRefusal(outcome: Outcome): boolean {
  return outcome.kind !== 'response' || outcome.response.status >= 400;
}

function shapeProblem(status: number, headers: Record<string, string>, body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `${status} body is not JSON: ${JSON.stringify(body.subarray(0, 120).toString('utf8'))}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `${status} body is not an object`;
  const { error, message, statusCode } = parsed as Record<string, unknown>;
  if (typeof error !== 'string' || typeof message !== 'string') return `${status} body lacks error/message strings`;
  if (statusCode !== status) return `${status} body says statusCode ${String(statusCode)}`;
  const requestId = headers['x-request-id'] ?? (parsed as Record<string, unknown>).request_id ?? (parsed as Record<string, unknown>).requestId;
  if (typeof requestId !== 'string' || requestId.length === 0) return `${status} ${error} carries no request id (X-Request-Id or request_id)`;
  return undefined;
}

/** Problems with one answer, as short lines; empty when the answer is acceptable. */
export function answerProblems(request: RawRequest, outcome: Outcome): string[] {
  if (outcome.kind !== 'response') {
    if (isIncomplete(request)) return [];
    return [outcome.kind === 'timeout' ? `no answer within ${outcome.ms} ms` : `no answer: ${outcome.reason}`];
  }
  const { status, headers, body } = outcome.response;
  if (status >= 500) return [`${status}: ${body.subarray(0, 200).toString('utf8')}`];
  // A HEAD answer has no body to carry the shape; a 101 is a WebSocket, not a refusal.
  if (status < 400 || request.method === 'HEAD') return [];
  const problem = shapeProblem(status, headers, body);
  return problem ? [problem] : [];
}
