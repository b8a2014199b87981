import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';

/**
 * Groq's OpenAI-compatible chat completions (POST /openai/v1/chat/completions) as documented at
 * console.groq.com/docs: Bearer auth, errors as {error: {message, type, code}}, 401
 * invalid_api_key, 400 model_decommissioned for a retired model, 404 model_not_found for an
 * unknown one, 413 when a base64 image request exceeds 4 MB, 429 rate_limit_exceeded with
 * retry-after, usage with prompt/completion/total tokens and Groq's timing fields.
 * The assistant's answers are scripted; so are failures, one per request, and a hang.
 */

export const GROQ_FAKE_KEY = 'gsk_test_key';
export const GROQ_FAKE_MODEL = 'meta-llama/llama-4-scout-17b-16e-instruct';
export const GROQ_DECOMMISSIONED_MODEL = 'llama-3.2-11b-vision-preview';
/** Groq's documented ceiling for a request carrying a base64 image. */
export const GROQ_BASE64_REQUEST_LIMIT = 4 * 1024 * 1024;

export type GroqScripted = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

const groqError = (message: string, type: string, code?: string) => ({ error: { message, type, ...(code ? { code } : {}) } });

/** Failures as Groq answers them, to push onto `fake.failures`. */
export const groqFailures = {
  rateLimited: (seconds: number): GroqScripted => ({
    status: 429,
    headers: { 'retry-after': String(seconds), 'x-ratelimit-limit-requests': '1000', 'x-ratelimit-remaining-requests': '0' },
    body: groqError(
      `Rate limit reached for model \`${GROQ_FAKE_MODEL}\` in organization \`org_test\` service tier \`on_demand\` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in ${seconds}s.`,
      'requests',
      'rate_limit_exceeded',
    ),
  }),
  serverError: (): GroqScripted => ({ status: 500, body: groqError('Internal Server Error', 'internal_server_error') }),
  unavailable: (): GroqScripted => ({ status: 503, body: groqError('Service Unavailable', 'internal_server_error', 'service_unavailable') }),
  badRequest: (message = "'messages.0' : for 'role:user' the following must be satisfied[('messages.0.content' : value must be a string)]"): GroqScripted => ({
    status: 400,
    body: groqError(message, 'invalid_request_error'),
  }),
  hang: (): GroqScripted => 'hang',
};

export interface GroqRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
    temperature?: number;
    max_completion_tokens?: number;
  };
  bytes: number;
}

export async function startGroqFake() {
  const requests: GroqRequest[] = [];
  const failures: GroqScripted[] = [];
  /** What the model says, one per successful request; 'APPROVED' when empty. */
  const answers: string[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request);
    if (request.method !== 'POST' || request.url !== '/openai/v1/chat/completions') {
      return sendJson(response, 404, groqError(`Unknown request URL: ${request.method} ${request.url}. Please check the URL for typos, or see the docs at https://console.groq.com/docs/`, 'invalid_request_error', 'unknown_url'));
    }
    if (request.headers.authorization !== `Bearer ${GROQ_FAKE_KEY}`) {
      return sendJson(response, 401, groqError('Invalid API Key', 'invalid_request_error', 'invalid_api_key'));
    }
    let body: GroqRequest['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as GroqRequest['body'];
    } catch {
      return sendJson(response, 400, groqError('We could not parse the JSON body of your request.', 'invalid_request_error'));
    }
    requests.push({ authorization: request.headers.authorization, body, bytes: raw.length });
    const images = body.messages.flatMap((message) => (Array.isArray(message.content) ? message.content : [])).filter((part) => part.type === 'image_url');
    if (images.some((part) => part.image_url?.url.startsWith('data:')) && raw.length > GROQ_BASE64_REQUEST_LIMIT) {
      return sendJson(response, 413, groqError('Request Entity Too Large', 'invalid_request_error', 'request_too_large'));
    }
    if (body.model === GROQ_DECOMMISSIONED_MODEL) {
      return sendJson(response, 400, groqError(`The model \`${body.model}\` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.`, 'invalid_request_error', 'model_decommissioned'));
    }
    if (body.model !== GROQ_FAKE_MODEL) {
      return sendJson(response, 404, groqError(`The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    const failure = failures.shift();
    if (failure === 'hang') return; // never answers: the client's timeout must fire
    if (failure) return sendJson(response, failure.status, failure.body, failure.headers);

    const content = answers.shift() ?? 'APPROVED';
    const promptTokens = 1200 + images.length * 64;
    const completionTokens = Math.max(1, Math.ceil(content.length / 4));
    sendJson(response, 200, {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        queue_time: 0.02,
        prompt_tokens: promptTokens,
        prompt_time: 0.05,
        completion_tokens: completionTokens,
        completion_time: 0.003,
        total_tokens: promptTokens + completionTokens,
        total_time: 0.053,
      },
      system_fingerprint: 'fp_test',
      x_groq: { id: `req_${randomUUID()}` },
    });
  };

  const server = await startLoopbackServer(handle);
  return {
    /** What GROQ_BASE_URL is set to (the SDK appends /openai/v1/…). */
    url: server.url,
    requests,
    failures,
    answers,
    close: server.close,
  };
}

export type GroqFake = Awaited<ReturnType<typeof startGroqFake>>;
