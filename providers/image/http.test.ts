import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../../lib/config.js';
import { startPredictionsApiFake, type PredictionsApiFake } from '../../test/fakes/predictions-api.js';
import { texturedImage } from '../../test/support/images.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import type { ActivityProgress } from '../ports.js';
import { HttpImageGenerator, nearestAspectRatio } from './http.js';
import { createImageGenerator } from './index.js';

const TOKEN = 'r8_image_token';
const MODEL = 'black-forest-labs/flux-schnell';
const PROMPT = 'Portrait of a street musician with a silver trumpet, golden hour';

type ModelInput = Record<string, unknown>;

function progress(): ActivityProgress & { fractions: number[] } {
  const fractions: number[] = [];
  return { fractions, heartbeat: () => undefined, report: (fraction) => void fractions.push(fraction), resumeFrom: undefined, signal: new AbortController().signal };
}

describe('HTTP image generator', () => {
  let dir: string;
  let count = 0;
  const fakes: PredictionsApiFake<ModelInput>[] = [];
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'image-http-'));
  });
  after(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A predictions API whose every output is `output`, and a generator talking to it. */
  const serving = async (output: Buffer) => {
    const fake = await startPredictionsApiFake<ModelInput>({
      token: TOKEN,
      output,
      failureError: 'NSFW content detected',
      separateFileHost: true,
      parseInput: (input) => (input && typeof input === 'object' ? { input: input as ModelInput } : { invalid: 'input must be an object' }),
    });
    fakes.push(fake);
    const generator = new HttpImageGenerator({ apiUrl: fake.url, token: TOKEN, model: MODEL, pollIntervalMs: 10, maxPollIntervalMs: 30, requestTimeoutMs: 1000, downloadTimeoutMs: 2000 });
    return { fake, generator };
  };
  const request = (width: number, height: number) => {
    count += 1;
    return { prompt: PROMPT, width, height, outputPath: join(dir, `image-${count}.jpg`) };
  };
  /** Files beside the outputs other than finished images: downloads and temporaries must not stay. */
  const leftovers = async () => (await readdir(dir)).filter((name) => !/^image-\d+\.jpg$/.test(name));

  it('sends the documented input and turns a PNG output into a JPEG of the asked size', async () => {
    const { fake, generator } = await serving(await texturedImage(1024, 1024).png().toBuffer());
    const job = request(768, 1024);
    const run = progress();

    const { model, predictionId } = await generator.generate(job, run);

    assert.equal(model, MODEL);
    assert.match(predictionId, /^p1/);
    assert.deepEqual(fake.creates, [{ version: MODEL, input: { prompt: PROMPT, width: 768, height: 1024, aspect_ratio: '3:4', output_format: 'jpg' } }]);
    const image = await sharp(job.outputPath).metadata();
    assert.deepEqual([image.format, image.width, image.height], ['jpeg', 768, 1024]);
    assert.equal(run.fractions.at(-1), 1);
    assert.deepEqual(await leftovers(), []);
  });

  it('converts a WebP output, cropping the model’s own size to the one asked for', async () => {
    const { fake, generator } = await serving(await texturedImage(1344, 768).webp().toBuffer());
    const job = request(1920, 1080);
    await generator.generate(job, progress());
    assert.equal(fake.creates[0]?.input.aspect_ratio, '16:9');
    const image = await sharp(job.outputPath).metadata();
    assert.deepEqual([image.format, image.width, image.height], ['jpeg', 1920, 1080]);
  });

  it('keeps a JPEG output of the asked size byte for byte', async () => {
    const jpeg = await texturedImage(512, 512).jpeg().toBuffer();
    const { generator } = await serving(jpeg);
    const job = request(512, 512);
    await generator.generate(job, progress());
    assert.ok((await readFile(job.outputPath)).equals(jpeg));
  });

  it('fails for good with the provider’s reason when the prediction fails, writing nothing', async () => {
    const { fake, generator } = await serving(await texturedImage(64, 64).png().toBuffer());
    fake.plan = ['processing', 'failed'];
    const job = request(512, 512);
    await assert.rejects(
      generator.generate(job, progress()),
      isProviderError('IMAGE_PREDICTION_FAILED', false, (error) => assert.equal(error.message, 'Image generation failed: NSFW content detected')),
    );
    assert.deepEqual(fake.downloads, []);
    await assert.rejects(readFile(job.outputPath), { code: 'ENOENT' });
  });

  it('refuses an output that is not an image, writing nothing', async () => {
    const { generator } = await serving(randomBytes(2048));
    const job = request(512, 512);
    await assert.rejects(generator.generate(job, progress()), isProviderError('IMAGE_BAD_OUTPUT', false, (error) => assert.match(error.message, /not a JPEG, PNG or WebP/)));
    await assert.rejects(readFile(job.outputPath), { code: 'ENOENT' });
    assert.deepEqual(await leftovers(), []);
  });
});

describe('image aspect ratio and provider choice', () => {
  it('asks flux-schnell for the supported ratio nearest the size', () => {
    assert.equal(nearestAspectRatio(1080, 1920), '9:16');
    assert.equal(nearestAspectRatio(1024, 1024), '1:1');
    assert.equal(nearestAspectRatio(1000, 1100), '1:1');
    assert.equal(nearestAspectRatio(1200, 1000), '5:4');
    assert.equal(nearestAspectRatio(2560, 1080), '21:9');
    assert.equal(nearestAspectRatio(512, 768), '2:3');
  });

  it('follows GENERATION_PROVIDER', () => {
    const config = loadConfig();
    assert.equal(createImageGenerator({ ...config, GENERATION_PROVIDER: 'local' }).name, 'local');
    const http = { ...config, GENERATION_PROVIDER: 'http' as const, GENERATION_API_URL: 'https://api.replicate.com/v1', GENERATION_API_TOKEN: TOKEN };
    assert.equal(createImageGenerator(http).name, 'http');
    assert.throws(() => createImageGenerator({ ...http, GENERATION_API_TOKEN: undefined }), /GENERATION_API_TOKEN/);
  });
});
