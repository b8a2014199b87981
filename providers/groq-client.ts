import Groq from 'groq-sdk';

/**
 * A groq-sdk client as every Groq adapter uses it: the configured base URL (GROQ_BASE_URL; tests
 * point it at a loopback fake), no SDK retries — Temporal owns retries and honours retry-after
 * (../shared/design.md) — and a per-request timeout in ms.
 */
export function createGroqClient(options: { apiKey: string; baseURL?: string | undefined; timeoutMs?: number | undefined }, defaultTimeoutMs: number): Groq {
  return new Groq({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? 'https://api.groq.com',
    maxRetries: 0,
    timeout: options.timeoutMs ?? defaultTimeoutMs,
  });
}
