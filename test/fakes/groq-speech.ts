import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { GROQ_FAKE_KEY, type GroqScripted } from './groq.js';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';

/**
 * Groq's OpenAI-compatible speech endpoint (POST /openai/v1/audio/speech) for the Orpheus models
 * as console.groq.com/docs/text-to-speech/orpheus documents them: Bearer auth (401
 * invalid_api_key), JSON {model, input, voice, response_format}, input of at most 200
 * characters, WAV the only format, and an answer of WAV bytes. Errors are {error: {message, type,
 * code}}; 400 model_terms_required until the organisation accepts the model's terms (wording as
 * Groq sends it). The wording of the too-long-input 400 follows Groq's transcription prompt
 * limit; the speech one is not documented.
 * Each answer is real audio: a 440 Hz tone, 48 kHz mono 16-bit as Orpheus serves it, lasting
 * SECONDS_PER_CHARACTER per input character, so a caller's summed duration can be checked.
 * Failures are scripted one per request (`groqFailures` from ./groq.js, and the ones below).
 */

export const GROQ_SPEECH_FAKE_MODEL = 'canopylabs/orpheus-v1-english';
export const GROQ_SPEECH_FAKE_VOICE = 'autumn';
export const GROQ_SPEECH_INPUT_LIMIT = 200;
export const SECONDS_PER_CHARACTER = 0.05;

const groqError = (message: string, type: string, code?: string) => ({ error: { message, type, ...(code ? { code } : {}) } });

export const speechFailures = {
  modelTermsRequired: (model = GROQ_SPEECH_FAKE_MODEL): GroqScripted => ({
    status: 400,
    body: groqError(
      `The model ${model} requires terms acceptance. Please have the org admin accept the terms at https://console.groq.com/playground?model=${encodeURIComponent(model)}`,
      'invalid_request_error',
      'model_terms_required',
    ),
  }),
};

export interface GroqSpeechRequest {
  authorization: string | undefined;
  body: { model?: unknown; input?: unknown; voice?: unknown; response_format?: unknown };
}

const run = promisify(execFile);

/** `seconds` of a sine tone as a WAV file, made by ffmpeg (written to a pipe, as a streamed answer would be). */
export async function toneWav(seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    process.env.FFMPEG_PATH ?? 'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`, '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

export async function startGroqSpeechFake() {
  const requests: GroqSpeechRequest[] = [];
  /** One per request, in order; 'speak' answers that request normally. */
  const failures: (GroqScripted | 'speak')[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request);
    if (request.method !== 'POST' || request.url !== '/openai/v1/audio/speech') {
      return sendJson(response, 404, groqError(`Unknown request URL: ${request.method} ${request.url}. Please check the URL for typos, or see the docs at https://console.groq.com/docs/`, 'invalid_request_error', 'unknown_url'));
    }
    if (request.headers.authorization !== `Bearer ${GROQ_FAKE_KEY}`) {
      return sendJson(response, 401, groqError('Invalid API Key', 'invalid_request_error', 'invalid_api_key'));
    }
    let body: GroqSpeechRequest['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as GroqSpeechRequest['body'];
    } catch {
      return sendJson(response, 400, groqError('We could not parse the JSON body of your request.', 'invalid_request_error'));
    }
    requests.push({ authorization: request.headers.authorization, body });
    if (body.model !== GROQ_SPEECH_FAKE_MODEL) {
      return sendJson(response, 404, groqError(`The model \`${String(body.model)}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    const input = typeof body.input === 'string' ? body.input : '';
    if (input.length === 0 || input.length > GROQ_SPEECH_INPUT_LIMIT) {
      return sendJson(response, 400, groqError(`input length must be between 1 and ${GROQ_SPEECH_INPUT_LIMIT} characters, but provided input contains ${input.length} characters`, 'invalid_request_error'));
    }
    if (body.response_format !== undefined && body.response_format !== 'wav') {
      return sendJson(response, 400, groqError('response_format must be wav', 'invalid_request_error'));
    }
    const failure = failures.shift();
    if (failure === 'hang') return;
    if (failure && failure !== 'speak') return sendJson(response, failure.status, failure.body, failure.headers);

    const wav = await toneWav(Number((input.length * SECONDS_PER_CHARACTER).toFixed(3)));
    response.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(wav.length) });
    response.end(wav);
  };

  const server = await startLoopbackServer(handle);
  return {
    /** What GROQ_BASE_URL is set to (the SDK appends /openai/v1/…). */
    url: server.url,
    requests,
    failures,
    close: server.close,
  };
}

export type GroqSpeechFake = Awaited<ReturnType<typeof startGroqSpeechFake>>;
