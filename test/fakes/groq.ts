import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';
import { createRateLimiter, type RateLimitOption } from './rate-limit.js';

/**
 * Groq's OpenAI-compatible chat completions (POST /openai/v1/chat/completions) as documented at
 * console.groq.com/docs: Bearer auth, errors as {error: {message, type, code}}, 401
 * invalid_api_key, 400 model_decommissioned for a retired model, 404 model_not_found for an
 * unknown one, 413 when a base64 image request exceeds 4 MB, 429 rate_limit_exceeded with
 * retry-after, usage with prompt/completion/total tokens and Groq's timing fields.
 * JSON answers as console.groq.com/docs/structured-outputs documents them: `json_schema` only for
 * the models listed there (400, Groq's wording), `strict: true` only with every property required
 * and objects closed (400; that wording is ours, Groq's is not documented), `json_object` only
 * when the messages mention JSON (400, Groq's wording).
 * The assistant's answers are scripted; so are failures, one per request, and a hang. Given
 * `rateLimit`, requests beyond it are answered 429 rate_limit_exceeded with retry-after (counted in
 * `tooManyRequests`, not kept in `requests`).
 */

export const GROQ_FAKE_KEY = 'gsk_test_key';
export const GROQ_FAKE_MODEL = 'meta-llama/llama-4-scout-17b-16e-instruct';
export const GROQ_DECOMMISSIONED_MODEL = 'llama-3.2-11b-vision-preview';
/** A text model with strict structured outputs (the default GROQ_TEXT_MODEL). */
export const GROQ_FAKE_TEXT_MODEL = 'openai/gpt-oss-20b';
/** A current text model without structured outputs: JSON-object mode only. */
export const GROQ_JSON_OBJECT_MODEL = 'llama-3.3-70b-versatile';

const MODELS = new Set([GROQ_FAKE_MODEL, GROQ_FAKE_TEXT_MODEL, GROQ_JSON_OBJECT_MODEL]);
const STRUCTURED_OUTPUT_MODELS = new Set([GROQ_FAKE_MODEL, GROQ_FAKE_TEXT_MODEL]);
/** Groq's documented ceiling for a request carrying a base64 image. */
export const GROQ_BASE64_REQUEST_LIMIT = 4 * 1024 * 1024;

export type GroqScripted = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

const groqError = (message: string, type: string, code?: string) => ({ error: { message, type, ...(code ? { code } : {}) } });

/** Groq's 429 on its requests-per-minute limit, with the retry-after it sends. */
const rateLimitedAnswer = (seconds: number) => ({
  status: 429,
  headers: { 'retry-after': String(seconds), 'x-ratelimit-limit-requests': '1000', 'x-ratelimit-remaining-requests': '0' },
  body: groqError(
    `Rate limit reached for model \`${GROQ_FAKE_MODEL}\` in organization \`org_test\` service tier \`on_demand\` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in ${seconds}s.`,
    'requests',
    'rate_limit_exceeded',
  ),
});

/** Failures as Groq answers them, to push onto `fake.failures`. */
export const groqFailures = {
  rateLimited: (seconds: number): GroqScripted => rateLimitedAnswer(seconds),
  serverError: (): GroqScripted => ({ status: 500, body: groqError('Internal Server Error', 'internal_server_error') }),
  unavailable: (): GroqScripted => ({ status: 503, body: groqError('Service Unavailable', 'internal_server_error', 'service_unavailable') }),
  badRequest: (message = "'messages.0' : for 'role:user' the following must be satisfied[('messages.0.content' : value must be a string)]"): GroqScripted => ({
    status: 400,
    body: groqError(message, 'invalid_request_error'),
  }),
  hang: (): GroqScripted => 'hang',
  /** Groq's own check refused the model's JSON; `failed_generation` is what the model wrote. */
  jsonValidateFailed: (failedGeneration: string): GroqScripted => ({
    status: 400,
    body: {
      error: {
        message: "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for more details.",
        type: 'invalid_request_error',
        code: 'json_validate_failed',
        failed_generation: failedGeneration,
      },
    },
  }),
};

type JsonSchemaNode = { type?: unknown; properties?: Record<string, unknown>; required?: unknown; additionalProperties?: unknown };

/** Where a strict schema breaks Groq's rules (every property required, objects closed), or undefined. */
function strictViolation(node: unknown, path = 'schema'): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const schema = node as JsonSchemaNode & Record<string, unknown>;
  if (schema.type === 'object' || schema.properties) {
    const names = Object.keys(schema.properties ?? {});
    const required = Array.isArray(schema.required) ? schema.required : [];
    const optional = names.find((name) => !required.includes(name));
    if (optional) return `${path}: property '${optional}' must be required with strict: true`;
    if (schema.additionalProperties !== false) return `${path}: additionalProperties must be false with strict: true`;
  }
  for (const [key, child] of Object.entries(schema)) {
    const found = Array.isArray(child) ? child.map((item, index) => strictViolation(item, `${path}/${key}/${index}`)).find(Boolean) : strictViolation(child, `${path}/${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Groq's 400 for a response_format the model or the messages do not allow, else undefined. */
function responseFormatRefusal(body: GroqRequest['body']): string | undefined {
  const format = body.response_format;
  if (format?.type === 'json_schema') {
    if (!STRUCTURED_OUTPUT_MODELS.has(body.model)) return 'This model does not support response format `json_schema`. See supported models at https://console.groq.com/docs/structured-outputs#supported-models';
    if (format.json_schema?.strict) {
      const violation = strictViolation(format.json_schema.schema);
      if (violation) return `invalid JSON schema for response_format: ${violation}`;
    }
  }
  const text = body.messages.map((message) => (typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join(' '))).join(' ');
  if (format?.type === 'json_object' && !/json/i.test(text)) return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";
  return undefined;
}

export interface GroqRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
    temperature?: number;
    max_completion_tokens?: number;
    response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  };
  bytes: number;
}

export async function startGroqFake(options: { rateLimit?: RateLimitOption } = {}) {
  const limiter = createRateLimiter(options.rateLimit);
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
    if (!limiter.admit()) {
      const limited = rateLimitedAnswer(limiter.retryAfterSeconds());
      return sendJson(response, limited.status, limited.body, limited.headers);
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
    if (!MODELS.has(body.model)) {
      return sendJson(response, 404, groqError(`The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    const refusal = responseFormatRefusal(body);
    if (refusal) return sendJson(response, 400, { error: { message: refusal, type: 'invalid_request_error', param: 'response_format' } });
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
    /** Requests answered 429 because they came beyond `rateLimit`. */
    get tooManyRequests() {
      return limiter.refused;
    },
    close: server.close,
  };
}

export type GroqFake = Awaited<ReturnType<typeof startGroqFake>>;
