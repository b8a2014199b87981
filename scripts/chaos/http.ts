import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The load's HTTP client: every answer the API gives is counted by status (network errors as
 * "network"), 503s are checked for Retry-After, and 5xx answers and network errors are retried
 * until `patienceMs` is spent, as a well-behaved client does while a dependency restarts.
 */

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpTally {
  byStatus: Map<string, number>;
  /** 503 answers without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** Each 500 seen: method, path and the error body, for the report. */
  serverErrors: string[];
}

export function createHttp(baseUrl: string, options: { patienceMs?: number } = {}) {
  const tally: HttpTally = { byStatus: new Map(), unavailableWithoutRetryAfter: 0, serverErrors: [] };
  const count = (key: string) => tally.byStatus.set(key, (tally.byStatus.get(key) ?? 0) + 1);

  /** One request, retried on 5xx and network errors; `body` is rebuilt per attempt (a FormData cannot be sent twice). */
  async function call<T = Record<string, unknown>>(method: string, path: string, init: { headers?: Record<string, string>; body?: () => string | FormData } = {}): Promise<Reply<T>> {
    const deadline = Date.now() + (options.patienceMs ?? 120_000);
    for (let attempt = 0; ; attempt++) {
      let reply: Reply<T> | undefined;
      let retryAfterMs = Math.min(500 * 2 ** attempt, 5_000);
      try {
        const response = await fetch(`${baseUrl}${path}`, { method, headers: init.headers, body: init.body?.(), signal: AbortSignal.timeout(90_000) });
        const text = await response.text();
        count(String(response.status));
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: kept as text
        }
        reply = { status: response.status, headers: response.headers, body: body as T };
        if (response.status === 503) {
          const retryAfter = response.headers.get('retry-after');
          if (retryAfter === null) tally.unavailableWithoutRetryAfter += 1;
          else retryAfterMs = Math.min(Number(retryAfter) * 1000 || retryAfterMs, 5_000);
        }
        if (response.status >= 500) {
          if (response.status === 500) tally.serverErrors.push(`${method} ${path.split('?')[0]}: ${text.slice(0, 300)}`);
        } else return reply;
      } catch (error) {
        count('network');
        if (Date.now() > deadline) throw new Error(`${method} ${path}: ${(error as Error).message}`);
      }
      if (Date.now() > deadline) {
        if (reply) return reply;
        throw new Error(`${method} ${path}: no answer within the client's patience`);
      }
      await sleep(retryAfterMs);
    }
  }

  return {
    tally,
    call,
    get: <T = Record<string, unknown>>(path: string, headers: Record<string, string> = {}) => call<T>('GET', path, { headers }),
    json: <T = Record<string, unknown>>(method: string, path: string, payload: unknown, headers: Record<string, string> = {}) =>
      call<T>(method, path, { headers: { 'content-type': 'application/json', ...headers }, body: () => JSON.stringify(payload) }),
  };
}

export type Http = ReturnType<typeof createHttp>;
