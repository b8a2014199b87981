import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'groq-sdk';
import sharp from 'sharp';
import { z } from 'zod';
import { SAFE_DECODE } from '../../lib/media/image-intake.js';
import type { PhotoValidator, PhotoVerdict } from '../ports.js';
import { parseRetryAfter, ProviderError } from '../provider-error.js';
import { LABEL_REASONS, PHOTO_VALIDATION_PROMPT, parsePhotoLabel } from './groq-prompt.js';
import { createGroqClient } from '../groq-client.js';

export const GROQ_UNPARSEABLE_ANSWER = 'GROQ_UNPARSEABLE_ANSWER';

/**
 * Groq accepts at most 4 MB for a request carrying a base64 image (413 above that). The data URL
 * gets 3 MB of it, leaving room for the prompt; the encodings below stay far under it.
 */
export const GROQ_MAX_IMAGE_DATA_URL = 3 * 1024 * 1024;
/** Tried in order until the data URL fits: a face needs far less than 1280 px to be judged. */
const ENCODINGS = [
  { side: 1280, quality: 85 },
  { side: 1024, quality: 75 },
  { side: 768, quality: 65 },
] as const;

const TRANSIENT_STATUSES = new Set([408, 409, 425, 429, 498]);

export interface GroqValidatorOptions {
  apiKey: string;
  /** Without the /openai/v1 path, e.g. https://api.groq.com. */
  baseURL?: string;
  model: string;
  timeoutMs?: number;
}

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative(), total_tokens: z.number().int().nonnegative() })
    .optional(),
});

const ErrorBodySchema = z.object({ error: z.object({ message: z.string().optional(), code: z.string().nullish() }) });

/** The image as a JPEG data URL small enough for Groq, whatever was passed in. */
export async function toImageDataUrl(image: Buffer): Promise<string> {
  let dataUrl = '';
  for (const { side, quality } of ENCODINGS) {
    const jpeg = await sharp(image, SAFE_DECODE)
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality })
      .toBuffer();
    dataUrl = `data:image/jpeg;base64,${jpeg.toString('base64')}`;
    if (dataUrl.length <= GROQ_MAX_IMAGE_DATA_URL) return dataUrl;
  }
  throw new ProviderError('GROQ_IMAGE_TOO_LARGE', `the image is still ${dataUrl.length} bytes as base64 after downscaling`, { retryable: false });
}

/** Groq's failure as a ProviderError: 408/409/425/429/498 (Flex capacity), 5xx, timeouts and network errors retry; other 4xx fail fast. */
function classify(error: unknown, signal: AbortSignal | undefined): unknown {
  // A cancelled activity or a client that went away is not Groq's failure.
  if (error instanceof APIUserAbortError || signal?.aborted) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError('GROQ_TIMEOUT', 'Groq did not answer in time', { retryable: true, cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError('GROQ_NETWORK', `Groq unreachable: ${error.message}`, { retryable: true, cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const body = ErrorBodySchema.safeParse(error.error);
    const groqCode = body.success && body.data.error.code ? ` (${body.data.error.code})` : '';
    const detail = body.success ? (body.data.error.message ?? '') : '';
    const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'));
    return new ProviderError(`GROQ_${status}`, `Groq answered ${status}${groqCode}: ${detail.slice(0, 300)}`, {
      retryable: TRANSIENT_STATUSES.has(status) || status >= 500,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      cause: error,
    });
  }
  return error;
}

/**
 * Photo validation by a Groq vision model. The SDK does not retry (maxRetries 0): Temporal owns
 * retries, with the backoff Groq asks for in retry-after. An answer that is not exactly one label
 * is GROQ_UNPARSEABLE_ANSWER, retryable; the photo activity bounds how often (activities/closeup/photo.activities.ts).
 */
export function createGroqPhotoValidator(options: GroqValidatorOptions): PhotoValidator {
  const client = createGroqClient(options, 20_000);
  return {
    name: 'groq',
    async validate(image, signal): Promise<PhotoVerdict> {
      const dataUrl = await toImageDataUrl(image);
      let completion: unknown;
      try {
        completion = await client.chat.completions.create(
          {
            model: options.model,
            temperature: 0,
            max_completion_tokens: 16,
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: PHOTO_VALIDATION_PROMPT },
                  { type: 'image_url', image_url: { url: dataUrl } },
                ],
              },
            ],
          },
          signal ? { signal } : {},
        );
      } catch (error) {
        throw classify(error, signal);
      }
      const parsed = CompletionSchema.safeParse(completion);
      const answer = parsed.success ? (parsed.data.choices[0]?.message.content ?? '') : '';
      const label = parsePhotoLabel(answer);
      if (!parsed.success || !label) {
        const said = parsed.success ? JSON.stringify(answer.slice(0, 120)) : 'a body that is not a chat completion';
        throw new ProviderError(GROQ_UNPARSEABLE_ANSWER, `Groq answered ${said} instead of one photo label`, { retryable: true });
      }
      const usage = parsed.data.usage;
      return {
        label,
        reason: LABEL_REASONS[label],
        usage: {
          prompt_tokens: usage?.prompt_tokens ?? 0,
          completion_tokens: usage?.completion_tokens ?? 0,
          total_tokens: usage?.total_tokens ?? 0,
        },
        validator: 'groq',
      };
    },
  };
}
