import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { createGroqPhotoValidator } from '../../providers/photo-validation/groq-validator.js';
import { createLocalPhotoValidator } from '../../providers/photo-validation/local-validator.js';
import type { PhotoValidator } from '../../providers/ports.js';
import { PHOTO_MAX_BYTES } from '../../lib/media/image-intake.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { GROQ_FAKE_KEY, GROQ_FAKE_MODEL, groqFailures, startGroqFake, type GroqFake } from '../../test/fakes/groq.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { blackPng, flatImage, pdfDocument, texturedJpeg, texturedPng } from '../../test/support/images.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';

const config = testConfig();
const sql = testSql(config);
const temporal = createTemporalClient(config);
const logger = pino({ level: 'silent' });
const appWith = (photoValidator: PhotoValidator) => createApp({ ...createAppDeps(config, { logger, sql, temporal }), photoValidator });

let groq: GroqFake;
let groqApp: ReturnType<typeof createApp>;
const localApp = appWith(createLocalPhotoValidator());
let selfie: Buffer;

before(async () => {
  groq = await startGroqFake();
  groqApp = appWith(createGroqPhotoValidator({ apiKey: GROQ_FAKE_KEY, baseURL: groq.url, model: GROQ_FAKE_MODEL, timeoutMs: 500 }));
  selfie = await texturedJpeg(720, 960);
});
after(async () => {
  await groq.close();
  await sql.end();
  await temporal.connection.close();
});
beforeEach(() => {
  groq.failures.length = 0;
  groq.answers.length = 0;
});

const PATH = '/api/v1/photo-validation/check_photo';

function checkPhoto(app: ReturnType<typeof createApp>, photo: Buffer | string | undefined, name = 'selfie.jpg', type = 'image/jpeg') {
  const form = new FormData();
  if (typeof photo === 'string') form.append('photo', photo);
  else if (photo) form.append('photo', new File([new Uint8Array(photo)], name, { type }));
  form.append('note', 'from the camera');
  return app.request(PATH, { method: 'POST', body: form });
}

async function errorBody(response: Response, status: number) {
  assert.equal(response.status, status);
  const body = (await response.json()) as { error: string; message: string; statusCode: number; details?: { code?: string } };
  assert.equal(body.statusCode, status);
  assert.ok(body.message.length > 0);
  return body;
}

describe('POST /api/v1/photo-validation/check_photo', () => {
  it('answers the seed’s shape for an approved photo', async () => {
    const response = await checkPhoto(groqApp, selfie);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      valid: true,
      message: 'Photo validated successfully!',
      label: 'APPROVED',
      usage: { prompt_tokens: 1264, completion_tokens: 2, total_tokens: 1266 },
      reason: 'The photo meets the selfie guidelines.',
      validator: 'groq',
    });
  });

  it('answers valid: false with the reason for a rejected photo', async () => {
    groq.answers.push('REJECT_RELIGIOUS');
    const response = await checkPhoto(groqApp, selfie);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { valid: boolean; label: string; message: string };
    assert.equal(body.valid, false);
    assert.equal(body.label, 'REJECT_RELIGIOUS');
    assert.match(body.message, /^Photo validation failed\. Please retake your selfie without religious/);
  });

  it('takes a PNG named .jpg, and says when only the local check ran', async () => {
    const response = await checkPhoto(localApp, await texturedPng(800, 1000), 'selfie.jpg', 'image/jpeg');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { valid: boolean; validator: string; reason: string; usage: unknown };
    assert.deepEqual([body.valid, body.validator], [true, 'local']);
    assert.match(body.reason, /Local check only/);
    assert.deepEqual(body.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    const blank = (await (await checkPhoto(localApp, await flatImage(800, 1000).jpeg().toBuffer())).json()) as { valid: boolean };
    assert.equal(blank.valid, false);
  });

  it('refuses what cannot be taken, with the code in details, never asking Groq', async () => {
    const jpeg = await texturedJpeg();
    const cases = [
      { photo: pdfDocument(), status: 415, code: 'PHOTO_UNSUPPORTED_TYPE' },
      { photo: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), status: 422, code: 'PHOTO_CORRUPT' },
      { photo: blackPng(20_000), status: 422, code: 'PHOTO_TOO_MANY_PIXELS' },
      { photo: Buffer.alloc(0), status: 422, code: 'PHOTO_EMPTY' },
      // Within the 10 MB + 64 KB multipart body limit, one byte over the photo limit.
      { photo: Buffer.concat([selfie, Buffer.alloc(PHOTO_MAX_BYTES + 1 - selfie.length)]), status: 413, code: 'PHOTO_TOO_LARGE' },
    ];
    const asked = groq.requests.length;
    for (const { photo, status, code } of cases) {
      const body = await errorBody(await checkPhoto(groqApp, Buffer.from(photo)), status);
      assert.equal(body.details?.code, code);
    }
    assert.equal(groq.requests.length, asked);
  });

  it('answers 400 when the photo field is missing or is not a file, 415 for a JSON body', async () => {
    const missing = await errorBody(await checkPhoto(groqApp, undefined), 400);
    assert.equal(missing.error, 'ValidationError');
    assert.match(missing.message, /^photo: /);
    await errorBody(await checkPhoto(groqApp, 'data:image/jpeg;base64,AAAA'), 400);
    const json = await groqApp.request(PATH, { method: 'POST', body: JSON.stringify({ photo: 'x' }), headers: { 'content-type': 'application/json' } });
    await errorBody(json, 415);
  });

  it('answers 503 with Retry-After when Groq is rate limited, down or too slow', async () => {
    groq.failures.push(groqFailures.rateLimited(7));
    const limited = await checkPhoto(groqApp, selfie);
    assert.equal(limited.headers.get('retry-after'), '7');
    const body = await errorBody(limited, 503);
    assert.equal(body.error, 'ServiceUnavailable');
    assert.deepEqual(body.details, { code: 'GROQ_429', retry_after_seconds: 7 });

    for (const [failure, code] of [
      [groqFailures.unavailable(), 'GROQ_503'],
      [groqFailures.hang(), 'GROQ_TIMEOUT'],
    ] as const) {
      groq.failures.push(failure);
      const response = await checkPhoto(groqApp, selfie);
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
      assert.equal((await errorBody(response, 503)).details?.code, code);
    }
  });

  it('answers 502 without Groq’s details when Groq refuses our key', async () => {
    const revoked = appWith(createGroqPhotoValidator({ apiKey: 'gsk_revoked', baseURL: groq.url, model: GROQ_FAKE_MODEL }));
    const body = await errorBody(await checkPhoto(revoked, selfie), 502);
    assert.equal(body.details?.code, 'GROQ_401');
    assert.doesNotMatch(body.message, /Invalid API Key|gsk_/);
  });

  it('is described in the OpenAPI document as a multipart upload', async () => {
    const spec = (await (await groqApp.request('/openapi.json')).json()) as {
      paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { format?: string }>; required?: string[] } }> }; responses?: Record<string, unknown> } }>;
    };
    const post = spec.paths[PATH]?.post;
    const form = post?.requestBody?.content?.['multipart/form-data']?.schema;
    assert.equal(form?.properties?.photo?.format, 'binary');
    assert.deepEqual(form?.required, ['photo']);
    assert.deepEqual(Object.keys(post?.responses ?? {}).sort(), ['200', '400', '413', '415', '422', '502', '503']);
  });
});
