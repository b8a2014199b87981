import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import sharp from 'sharp';
import {
  GROQ_BASE64_REQUEST_LIMIT,
  GROQ_DECOMMISSIONED_MODEL,
  GROQ_FAKE_KEY,
  GROQ_FAKE_MODEL,
  groqFailures,
  startGroqFake,
  type GroqFake,
} from '../../test/fakes/groq.js';
import { freePort } from '../../test/support/ports.js';
import { texturedImage, texturedJpeg } from '../../test/support/images.js';
import { ProviderError, toActivityFailure } from '../provider-error.js';
import { PHOTO_VALIDATION_PROMPT, parsePhotoLabel } from './groq-prompt.js';
import { createGroqPhotoValidator, GROQ_UNPARSEABLE_ANSWER, type GroqValidatorOptions } from './groq-validator.js';

let groq: GroqFake;
let selfie: Buffer;
before(async () => {
  groq = await startGroqFake();
  selfie = await texturedJpeg(900, 1200);
});
after(() => groq.close());
beforeEach(() => {
  groq.requests.length = 0;
  groq.failures.length = 0;
  groq.answers.length = 0;
});

const validator = (overrides: Partial<GroqValidatorOptions> = {}) =>
  createGroqPhotoValidator({ apiKey: GROQ_FAKE_KEY, baseURL: groq.url, model: GROQ_FAKE_MODEL, timeoutMs: 2000, ...overrides });

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the validation to fail');
}

function imageParts(index = 0) {
  const content = groq.requests[index]?.body.messages[0]?.content;
  assert.ok(Array.isArray(content), 'the user message has content parts');
  return content;
}

describe('Groq photo validator', () => {
  it('sends the rules and the photo as a base64 JPEG data URL, and keeps the label and token usage', async () => {
    const verdict = await validator().validate(selfie);
    assert.deepEqual(verdict.usage, { prompt_tokens: 1264, completion_tokens: 2, total_tokens: 1266 });
    assert.equal(verdict.label, 'APPROVED');
    assert.equal(verdict.validator, 'groq');
    assert.ok(verdict.reason.length > 0);
    const request = groq.requests[0]!;
    assert.equal(request.body.model, GROQ_FAKE_MODEL);
    assert.equal(request.body.temperature, 0);
    const parts = imageParts();
    assert.deepEqual(parts[0], { type: 'text', text: PHOTO_VALIDATION_PROMPT });
    assert.equal(parts[1]?.type, 'image_url');
    const url = parts[1]?.image_url?.url ?? '';
    assert.match(url, /^data:image\/jpeg;base64,/);
    const sent = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    assert.equal(sent.format, 'jpeg');
    assert.deepEqual([sent.width, sent.height], [900, 1200]);
  });

  it('downscales a large photo so the request stays under Groq’s 4 MB base64 limit', async () => {
    const large = await texturedImage(2048, 2048).jpeg({ quality: 100 }).toBuffer();
    assert.ok(large.toString('base64').length > GROQ_BASE64_REQUEST_LIMIT, 'as uploaded it would be refused');
    await validator().validate(large);
    assert.ok(groq.requests[0]!.bytes <= GROQ_BASE64_REQUEST_LIMIT, `request of ${groq.requests[0]!.bytes} bytes`);
    const url = imageParts()[1]?.image_url?.url ?? '';
    const sent = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    assert.ok(Math.max(sent.width ?? 0, sent.height ?? 0) <= 1280);
  });

  it('returns each rejection label with a reason the user can act on', async () => {
    for (const label of ['REJECT_RELIGIOUS', 'REJECT_NSFW', 'REJECT_INVALID'] as const) {
      groq.answers.push(` ${label.toLowerCase()}.\n`);
      const verdict = await validator().validate(selfie);
      assert.equal(verdict.label, label);
      assert.match(verdict.reason, /retake/i);
    }
  });

  it('parses labels strictly: wrapping punctuation and case only', () => {
    for (const [answer, label] of [
      ['APPROVED', 'APPROVED'],
      [' approved\n', 'APPROVED'],
      ['"REJECT_NSFW".', 'REJECT_NSFW'],
      ['**REJECT_RELIGIOUS**', 'REJECT_RELIGIOUS'],
      ['`Reject_Invalid`', 'REJECT_INVALID'],
    ] as const) {
      assert.equal(parsePhotoLabel(answer), label, answer);
    }
    for (const answer of ['APPROVED. The selfie looks fine', 'Label: APPROVED', 'REJECT NSFW', 'REJECTED', 'APPROVE', 'APPROVED REJECT_NSFW', '', 'I cannot help with that.']) {
      assert.equal(parsePhotoLabel(answer), undefined, answer);
    }
  });

  it('treats an answer that is not one label as a retryable GROQ_UNPARSEABLE_ANSWER', async () => {
    groq.answers.push('The person appears to be an adult, so APPROVED.');
    const error = await providerError(validator().validate(selfie));
    assert.equal(error.code, GROQ_UNPARSEABLE_ANSWER);
    assert.equal(error.retryable, true);
  });

  it('retries a rate limit after the time Groq asks for, and does not retry inside the SDK', async () => {
    groq.failures.push(groqFailures.rateLimited(7));
    const error = await providerError(validator().validate(selfie));
    assert.equal(error.code, 'GROQ_429');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 7000);
    assert.equal(groq.requests.length, 1, 'Temporal owns retries');
    const failure = toActivityFailure(error);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'GROQ_429');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7000);
  });

  it('retries Groq server errors', async () => {
    for (const [failure, code] of [
      [groqFailures.serverError(), 'GROQ_500'],
      [groqFailures.unavailable(), 'GROQ_503'],
    ] as const) {
      groq.failures.push(failure);
      const error = await providerError(validator().validate(selfie));
      assert.equal(error.code, code);
      assert.equal(error.retryable, true);
    }
    assert.equal(groq.requests.length, 2);
  });

  it('fails fast on requests Groq refuses, naming the status and Groq’s error code', async () => {
    groq.failures.push(groqFailures.badRequest());
    const bad = await providerError(validator().validate(selfie));
    assert.deepEqual([bad.code, bad.retryable], ['GROQ_400', false]);

    const unauthorised = await providerError(validator({ apiKey: 'gsk_revoked' }).validate(selfie));
    assert.deepEqual([unauthorised.code, unauthorised.retryable], ['GROQ_401', false]);
    assert.match(unauthorised.message, /invalid_api_key/);

    const decommissioned = await providerError(validator({ model: GROQ_DECOMMISSIONED_MODEL }).validate(selfie));
    assert.deepEqual([decommissioned.code, decommissioned.retryable], ['GROQ_400', false]);
    assert.match(decommissioned.message, /model_decommissioned/);

    const unknown = await providerError(validator({ model: 'meta-llama/llama-9-vision' }).validate(selfie));
    assert.deepEqual([unknown.code, unknown.retryable], ['GROQ_404', false]);
    assert.match(unknown.message, /model_not_found/);

    const failure = toActivityFailure(unknown);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, true);
  });

  it('gives up on a hanging request at its timeout, retryably', async () => {
    groq.failures.push(groqFailures.hang());
    const started = performance.now();
    const error = await providerError(validator({ timeoutMs: 300 }).validate(selfie));
    assert.deepEqual([error.code, error.retryable], ['GROQ_TIMEOUT', true]);
    assert.ok(performance.now() - started < 1800, 'well before the 2 s the test would otherwise wait');
  });

  it('retries when Groq cannot be reached', async () => {
    const closed = await freePort();
    const error = await providerError(validator({ baseURL: `http://127.0.0.1:${closed}` }).validate(selfie));
    assert.deepEqual([error.code, error.retryable], ['GROQ_NETWORK', true]);
  });

  it('lets a caller’s cancellation through as cancellation, not as a Groq failure', async () => {
    groq.failures.push(groqFailures.hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(validator().validate(selfie, controller.signal), (error: unknown) => !(error instanceof ProviderError));
  });
});
