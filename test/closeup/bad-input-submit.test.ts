import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PHOTO_MAX_BYTES } from '../../lib/media/image-intake.js';
import { freshMobile } from '../support/closeup-stack.js';
import { pdfDocument } from '../support/images.js';
import { SUBMIT, multipart, startBadInputKit, validFields, type BadInputKit } from '../support/bad-input-kit.js';

/**
 * Bad input never gets past the door, submission form edition: every refusal of
 * POST /api/v1/video/submit is a 4xx in the one error shape, names what was wrong, and leaves no
 * user, no job and no workflow behind. The other endpoints are in bad-input.test.ts.
 */

describe('Close-Up bad input', { timeout: 300_000 }, () => {
  let kit: BadInputKit;
  let { selfie, request, postJson, submitForm, refused, nothingCreated } = {} as BadInputKit;
  before(async () => {
    kit = await startBadInputKit();
    ({ selfie, request, postJson, submitForm, refused, nothingCreated } = kit);
  });
  after(() => kit?.stop());

  describe('POST /api/v1/video/submit', () => {
    for (const field of ['mobile_number', 'gender', 'attribute_love', 'relationship_status', 'vibe'] as const) {
      it(`refuses a form without ${field}`, async () => {
        const mobile = freshMobile();
        const body = await refused(await submitForm({ ...validFields(mobile), [field]: undefined }, { bytes: selfie }), 400, new RegExp(`^${field}: ${field} is required$`));
        assert.equal(body.error, 'ValidationError');
        await nothingCreated(`+91${mobile}`);
      });
    }

    it('refuses a form without a photo, and a photo sent as text', async () => {
      const mobile = freshMobile();
      await refused(await submitForm(validFields(mobile)), 400, /^photo: a photo file is required$/);
      await refused(await submitForm({ ...validFields(mobile), photo: 'data:image/jpeg;base64,/9j/4AAQ' }), 400, /^photo: a photo file is required$/);
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses an unknown gender, naming the allowed ones', async () => {
      const mobile = freshMobile();
      await refused(await submitForm({ ...validFields(mobile), gender: 'robot' }, { bytes: selfie }), 400, /^gender: must be one of male, female, other$/);
      await nothingCreated(`+91${mobile}`);
    });

    for (const [label, number] of [
      ['an 11-digit number', '98765432101'],
      ['a non-Indian number', '+12025550123'],
      ['letters in the number', '98765abcde'],
      ['a 10-digit number not starting 6-9', '5876543210'],
    ] as const) {
      it(`refuses ${label}`, async () => {
        await refused(await submitForm({ ...validFields(number) }, { bytes: selfie }), 400, /^mobile_number: must be an Indian mobile number/);
        // The Indian numbers a lenient parser might have made of it.
        const digits = number.replace(/\D/g, '');
        await nothingCreated(`+91${digits.slice(0, 10)}`, `+91${digits.slice(-10)}`);
      });
    }

    for (const transport of ['sized', 'chunked'] as const) {
      it(`refuses a photo over 10 MB sent ${transport === 'sized' ? 'with Content-Length' : 'chunked without Content-Length'}`, async () => {
        const mobile = freshMobile();
        // One byte over the photo limit: the multipart body fits the body limit, the photo intake refuses it.
        const justOver = Buffer.concat([selfie, Buffer.alloc(PHOTO_MAX_BYTES + 1 - selfie.length)]);
        const photo = await refused(await submitForm(validFields(mobile), { bytes: justOver }, transport), 413, /larger than 10 MB/);
        assert.equal(photo.details?.code, 'PHOTO_TOO_LARGE');
        // Well over: a Content-Length over the body limit is refused before any parsing; sent chunked,
        // the photo part's limit stops the reading as it passes 10 MB.
        const wellOver = Buffer.concat([selfie, Buffer.alloc(12 * 1024 * 1024 - selfie.length)]);
        const response = await submitForm(validFields(mobile), { bytes: wellOver }, transport);
        assert.equal(response.headers.get('connection'), 'close', 'the unread rest of the body ends the connection');
        const body = await refused(response, 413, transport === 'sized' ? /^Request body exceeds \d+ KB$/ : /larger than 10 MB/);
        assert.equal(body.error, 'PayloadTooLarge');
        // The unread rest of that body must not break the client's next request on a kept-alive connection.
        assert.equal((await request('/healthz')).status, 200);
        await nothingCreated(`+91${mobile}`);
      });
    }

    it('refuses what is not a photo, whatever its name says, and a damaged or empty photo', async () => {
      const mobile = freshMobile();
      const cases = [
        { photo: { bytes: Buffer.from('hello, this is not a selfie\n'.repeat(100)), name: 'selfie.jpg' }, status: 415, code: 'PHOTO_UNSUPPORTED_TYPE', names: /not a JPEG, PNG or WebP/ },
        { photo: { bytes: pdfDocument(), name: 'selfie.jpg' }, status: 415, code: 'PHOTO_UNSUPPORTED_TYPE', names: /not a JPEG, PNG or WebP/ },
        { photo: { bytes: selfie.subarray(0, Math.floor(selfie.length / 2)) }, status: 422, code: 'PHOTO_CORRUPT', names: /could not be read; it may be damaged or incomplete/ },
        { photo: { bytes: Buffer.alloc(0) }, status: 422, code: 'PHOTO_EMPTY', names: /photo is empty/ },
      ];
      for (const { photo, status, code, names } of cases) {
        const body = await refused(await submitForm(validFields(mobile), photo), status, names);
        assert.equal(body.details?.code, code);
      }
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses an empty body, naming every missing field', async () => {
      const bare = await refused(await request(SUBMIT, { method: 'POST' }), 400, /^mobile_number: .*gender: .*attribute_love: .*relationship_status: .*vibe: .*photo: /);
      assert.deepEqual(
        (bare.details as unknown as { field: string }[]).map((issue) => issue.field),
        ['mobile_number', 'gender', 'attribute_love', 'relationship_status', 'vibe', 'photo'],
      );
      const { contentType } = multipart({});
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': contentType }, body: '' }), 400, /Malformed FormData/);
      await nothingCreated();
    });

    it('refuses a JSON body with 415, and malformed multipart with 400', async () => {
      const mobile = freshMobile();
      await refused(await postJson(SUBMIT, JSON.stringify(validFields(mobile))), 415, /Unsupported Media Type/);
      const { body, contentType } = multipart(validFields(mobile), { bytes: selfie });
      // Cut before the closing boundary; then a boundary the body never uses.
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': contentType }, body: body.subarray(0, body.length - 200) }), 400, /Malformed FormData/);
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=elsewhere' }, body }), 400, /Malformed FormData/);
      await nothingCreated(`+91${mobile}`);
    });
  });
});
