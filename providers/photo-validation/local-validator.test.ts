import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testConfig } from '../../test/support/harness.js';
import { blackPng, flatImage, pdfDocument, texturedImage, texturedJpeg } from '../../test/support/images.js';
import { createPhotoValidator } from './create-photo-validator.js';
import { createLocalPhotoValidator, LOCAL_MIN_SHORT_SIDE } from './local-validator.js';

const local = createLocalPhotoValidator();
const NO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

async function rejectedFor(image: Buffer, why: RegExp) {
  const verdict = await local.validate(image);
  assert.equal(verdict.label, 'REJECT_INVALID');
  assert.match(verdict.reason, /^Local check \(no AI review\): /);
  assert.match(verdict.reason, why);
  assert.equal(verdict.validator, 'local');
  assert.deepEqual(verdict.usage, NO_USAGE);
}

describe('local photo validator', () => {
  it('approves a textured photo, saying it was only a local check', async () => {
    const verdict = await local.validate(await texturedJpeg(720, 960));
    assert.deepEqual(verdict, {
      label: 'APPROVED',
      reason: 'Local check only (no AI review of faces or content): the photo decodes, is 720×960 px and is not blank.',
      usage: NO_USAGE,
      validator: 'local',
    });
  });

  it('rejects a blank photo, also one with a little sensor noise', async () => {
    await rejectedFor(await flatImage(720, 960).jpeg().toBuffer(), /single flat colour/);
    const noisyGrey = await flatImage(720, 960, '#202020')
      .composite([{ input: await texturedImage(720, 960).linear(0.05, 20).png().toBuffer(), blend: 'add' }])
      .jpeg()
      .toBuffer();
    await rejectedFor(noisyGrey, /single flat colour/);
  });

  it('rejects a photo too small to hold a face', async () => {
    await rejectedFor(await texturedJpeg(LOCAL_MIN_SHORT_SIDE - 1, 800), /255×800 px/);
    assert.equal((await local.validate(await texturedJpeg(LOCAL_MIN_SHORT_SIDE, 800))).label, 'APPROVED');
  });

  it('rejects what is not an image, a truncated one and one over the pixel limit', async () => {
    await rejectedFor(pdfDocument(), /not a JPEG, PNG or WebP/);
    const jpeg = await texturedJpeg();
    await rejectedFor(jpeg.subarray(0, Math.floor(jpeg.length / 2)), /could not be read/);
    await rejectedFor(blackPng(20_000), /megapixels/);
  });

  it('is chosen by PHOTO_VALIDATOR, and Groq when a key is set', () => {
    assert.equal(createPhotoValidator(testConfig({ PHOTO_VALIDATOR: 'local', GROQ_API_KEY: 'gsk_x' })).name, 'local');
    assert.equal(createPhotoValidator(testConfig({ PHOTO_VALIDATOR: '', GROQ_API_KEY: '' })).name, 'local');
    assert.equal(createPhotoValidator(testConfig({ PHOTO_VALIDATOR: '', GROQ_API_KEY: 'gsk_x' })).name, 'groq');
  });
});
