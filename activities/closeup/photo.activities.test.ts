import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import sharp from 'sharp';
import { PORTRAIT_HEIGHT, PORTRAIT_WIDTH } from '../../lib/media/image-intake.js';
import { GROQ_FAKE_KEY, GROQ_FAKE_MODEL, groqFailures, startGroqFake, type GroqFake } from '../../test/fakes/groq.js';
import { exifRotatedJpeg, flatImage, pdfDocument, texturedJpeg } from '../../test/support/images.js';
import type { Storage } from '../../providers/ports.js';
import { folderStorage } from '../../test/support/folder-storage.js';
import { createGroqPhotoValidator } from '../../providers/photo-validation/groq-validator.js';
import { createLocalPhotoValidator } from '../../providers/photo-validation/local-validator.js';
import { createPhotoActivities, UNPARSEABLE_ANSWER_MAX_ATTEMPTS, type PhotoValidationResult } from './photo.activities.js';

let root: string;
let storage: Storage;
let groq: GroqFake;
before(async () => {
  root = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'photo-activities-'));
  storage = folderStorage(root);
  groq = await startGroqFake();
});
after(() => groq.close());
beforeEach(() => {
  groq.failures.length = 0;
  groq.answers.length = 0;
});

const groqValidator = () => createGroqPhotoValidator({ apiKey: GROQ_FAKE_KEY, baseURL: groq.url, model: GROQ_FAKE_MODEL, timeoutMs: 2000 });

let nextJob = 1;
async function storedSelfie(bytes: Buffer) {
  const jobId = nextJob++;
  const selfieKey = `jobs/${jobId}/selfie-upload.bin`;
  await storage.putBuffer(selfieKey, bytes, 'application/octet-stream');
  return { jobId, selfieKey };
}

const jobFiles = async (jobId: number) => (await readdir(join(root, 'jobs', String(jobId)))).sort();

function run(activities: ReturnType<typeof createPhotoActivities>, input: { jobId: number; selfieKey: string }, attempt = 1): Promise<PhotoValidationResult> {
  // The failures asserted here would otherwise be logged as warnings.
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run(activities.validatePhoto, input);
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the activity to fail');
}

describe('validatePhoto activity', () => {
  it('stores the upright 720×1280 portrait of an approved selfie under a key derived from the job, the same on a retry', async () => {
    const activities = createPhotoActivities({ storage, validator: groqValidator() });
    const input = await storedSelfie(await exifRotatedJpeg());
    const result = await run(activities, input);
    assert.equal(result.label, 'APPROVED');
    assert.equal(result.validator, 'groq');
    assert.equal(result.usage.total_tokens, 1266);
    assert.match(result.portraitKey ?? '', new RegExp(`^jobs/${input.jobId}/portrait-[0-9a-f]{32}\\.jpg$`));
    const portrait = await storage.getBuffer(result.portraitKey!);
    const metadata = await sharp(portrait).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['jpeg', PORTRAIT_WIDTH, PORTRAIT_HEIGHT]);
    assert.equal(metadata.exif, undefined);
    // Stored sideways with EXIF orientation 6: upright, the red half is on top.
    const { data } = await sharp(portrait).extract({ left: 360, top: 0, width: 1, height: PORTRAIT_HEIGHT }).raw().toBuffer({ resolveWithObject: true });
    const redAt = (row: number) => data[row * 3]! > 200 && data[row * 3 + 2]! < 60;
    assert.ok(redAt(100) && !redAt(PORTRAIT_HEIGHT - 100));

    const retried = await run(activities, input, 2);
    assert.equal(retried.portraitKey, result.portraitKey);
    assert.equal((await jobFiles(input.jobId)).length, 2, 'the selfie and one portrait');
  });

  it('returns a rejection without failing and without storing a portrait', async () => {
    const activities = createPhotoActivities({ storage, validator: groqValidator() });
    groq.answers.push('REJECT_NSFW');
    const input = await storedSelfie(await texturedJpeg(720, 960));
    const result = await run(activities, input);
    assert.deepEqual([result.label, result.validator, result.portraitKey], ['REJECT_NSFW', 'groq', null]);
    assert.deepEqual(await jobFiles(input.jobId), ['selfie-upload.bin']);
  });

  it('rejects a blank selfie with the local validator', async () => {
    const activities = createPhotoActivities({ storage, validator: createLocalPhotoValidator() });
    const result = await run(activities, await storedSelfie(await flatImage(720, 960).jpeg().toBuffer()));
    assert.deepEqual([result.label, result.validator, result.portraitKey], ['REJECT_INVALID', 'local', null]);
    assert.match(result.reason, /Local check/);
  });

  it('rejects stored bytes that are not a photo, without asking Groq', async () => {
    const activities = createPhotoActivities({ storage, validator: groqValidator() });
    const before = groq.requests.length;
    const result = await run(activities, await storedSelfie(pdfDocument()));
    assert.deepEqual([result.label, result.portraitKey], ['REJECT_INVALID', null]);
    assert.match(result.reason, /not a JPEG, PNG or WebP/);
    assert.equal(groq.requests.length, before);
  });

  it('fails retryably on a Groq rate limit, with Groq’s retry-after as the next delay', async () => {
    const activities = createPhotoActivities({ storage, validator: groqValidator() });
    groq.failures.push(groqFailures.rateLimited(12));
    const error = await failure(run(activities, await storedSelfie(await texturedJpeg(720, 960))));
    assert.deepEqual([error.type, error.nonRetryable, error.nextRetryDelay], ['GROQ_429', false, 12_000]);
  });

  it('fails the stage at once when Groq refuses the key', async () => {
    const activities = createPhotoActivities({
      storage,
      validator: createGroqPhotoValidator({ apiKey: 'gsk_revoked', baseURL: groq.url, model: GROQ_FAKE_MODEL }),
    });
    const error = await failure(run(activities, await storedSelfie(await texturedJpeg(720, 960))));
    assert.deepEqual([error.type, error.nonRetryable], ['GROQ_401', true]);
  });

  it(`retries an unparseable answer until attempt ${UNPARSEABLE_ANSWER_MAX_ATTEMPTS}, then fails for good`, async () => {
    const activities = createPhotoActivities({ storage, validator: groqValidator() });
    const input = await storedSelfie(await texturedJpeg(720, 960));
    for (let attempt = 1; attempt <= UNPARSEABLE_ANSWER_MAX_ATTEMPTS; attempt++) {
      groq.answers.push('Sorry, I cannot classify people.');
      const error = await failure(run(activities, input, attempt));
      assert.equal(error.type, 'GROQ_UNPARSEABLE_ANSWER');
      assert.equal(error.nonRetryable, attempt === UNPARSEABLE_ANSWER_MAX_ATTEMPTS, `attempt ${attempt}`);
    }
  });
});
