import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { isProviderError } from '../../test/support/provider-errors.js';
import { startPredictionsApiFake, type PredictionsApiFake } from '../../test/fakes/predictions-api.js';
import { frameSize, type GenerationSpec } from '../../workflows/generation/contract.js';
import type { ActivityProgress, GenerationRequest } from '../ports.js';
import { HttpVideoGenerator, type HttpVideoGeneratorOptions } from './http.js';

const TOKEN = 'r8_generation_token';
const TEXT_MODEL = 'minimax/video-01';
const IMAGE_MODEL = 'minimax/video-01-live';
const IMAGE_URL = 'https://media.example.test/media/jobs/9/source.jpg?signature=abc';
const video = randomBytes(150_000);
const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'generation-http-'));

type ModelInput = Record<string, unknown>;
let fake: PredictionsApiFake<ModelInput>;
let outputs = 0;

const startFake = (separateFileHost: boolean) =>
  startPredictionsApiFake<ModelInput>({
    token: TOKEN,
    output: video,
    failureError: 'Model timeout',
    separateFileHost,
    parseInput: (input) => (input && typeof input === 'object' && typeof (input as ModelInput).prompt === 'string' ? { input: input as ModelInput } : { invalid: 'input.prompt is required' }),
  });

function generatorFor(apiUrl: string, options: Partial<HttpVideoGeneratorOptions> = {}): HttpVideoGenerator {
  return new HttpVideoGenerator({ apiUrl, token: TOKEN, textToVideoModel: TEXT_MODEL, imageToVideoModel: IMAGE_MODEL, pollIntervalMs: 10, maxPollIntervalMs: 30, requestTimeoutMs: 400, downloadTimeoutMs: 2000, ...options });
}

function request(spec: Partial<GenerationSpec> = {}): GenerationRequest {
  outputs += 1;
  const full: GenerationSpec = { type: 'text_to_video', prompt: 'A cat playing piano in a jazz club', durationSeconds: 5, resolution: 'sd_480p', aspectRatio: '9:16', cameraFixed: false, referencePerson: null, sourceImageUrl: null, ...spec };
  const image = full.type === 'image_to_video' ? { imagePath: '/unused', imageUrl: IMAGE_URL } : {};
  return { jobId: 9, spec: full, ...frameSize(full.resolution, full.aspectRatio), ...image, outputPath: join(scratch, `video-${outputs}.mp4`) };
}

function progress(options: { resumeFrom?: unknown; signal?: AbortSignal } = {}): ActivityProgress & { beats: unknown[]; fractions: number[] } {
  const beats: unknown[] = [];
  const fractions: number[] = [];
  return { beats, fractions, heartbeat: (details) => void beats.push(details), report: (fraction) => void fractions.push(fraction), resumeFrom: options.resumeFrom, signal: options.signal ?? new AbortController().signal };
}

/** Progress that aborts with `reason` at the first heartbeat after a poll (the prediction is running at the provider). */
function abortingAfterFirstPoll(reason: CancelledFailure): ActivityProgress & { abortedAt: () => number } {
  const controller = new AbortController();
  let abortedAt = 0;
  const run = progress({ signal: controller.signal });
  return {
    ...run,
    heartbeat(details) {
      if (abortedAt || (details as { status?: string }).status !== 'processing') return;
      abortedAt = Date.now();
      controller.abort(reason);
    },
    abortedAt: () => abortedAt,
  };
}

describe('HTTP video generator', () => {
  let generator: HttpVideoGenerator;
  before(async () => {
    fake = await startFake(true);
    generator = generatorFor(`${fake.url}/`);
  });
  after(() => fake.close());
  beforeEach(() => {
    for (const list of [fake.creates, fake.polls, fake.cancels, fake.downloads, fake.downloadAuthorizations]) list.length = 0;
    fake.plan = ['starting', 'processing', 'succeeded'];
  });

  it('text_to_video: one prediction with the text model and the documented input, polled to success and downloaded', async () => {
    const job = request();
    const run = progress();
    const { model, predictionId } = await generator.generate(job, run);

    assert.equal(model, TEXT_MODEL);
    assert.deepEqual(fake.creates, [{ version: TEXT_MODEL, input: { prompt: job.spec.prompt, duration: 5, aspect_ratio: '9:16', resolution: '480p', camera_fixed: false } }]);
    assert.deepEqual(fake.polls, [predictionId, predictionId, predictionId]);
    assert.ok((await readFile(job.outputPath)).equals(video));
    assert.deepEqual(fake.downloadAuthorizations, [null], 'the token is not sent to the file host');
    assert.deepEqual(run.beats.at(0), { predictionId, status: 'starting' });
    assert.deepEqual(run.fractions, [0.5, 0.9, 1]);
  });

  it('image_to_video: the image model, with the source image as first frame', async () => {
    const job = request({ type: 'image_to_video', resolution: 'hd_1080p', aspectRatio: '16:9', cameraFixed: true, durationSeconds: 10 });
    const { model } = await generator.generate(job, progress());
    assert.equal(model, IMAGE_MODEL);
    assert.deepEqual(fake.creates, [
      { version: IMAGE_MODEL, input: { prompt: job.spec.prompt, duration: 10, aspect_ratio: '16:9', resolution: '1080p', camera_fixed: true, first_frame_image: IMAGE_URL } },
    ]);
    assert.ok((await readFile(job.outputPath)).equals(video));
  });

  it('sends the token with a download from the API’s own origin', async () => {
    const sameOrigin = await startFake(false);
    try {
      const job = request();
      await generatorFor(sameOrigin.url).generate(job, progress());
      assert.deepEqual(sameOrigin.downloadAuthorizations, [`Bearer ${TOKEN}`]);
    } finally {
      await sameOrigin.close();
    }
  });

  it('fails for good with the provider’s reason when the prediction fails', async () => {
    fake.plan = ['processing', 'failed'];
    const job = request();
    await assert.rejects(
      generator.generate(job, progress()),
      isProviderError('GENERATION_PREDICTION_FAILED', false, (error) => assert.equal(error.message, 'Video generation failed: Model timeout')),
    );
    assert.deepEqual((await readdir(scratch)).filter((name) => name.includes(`video-${outputs}.`)), []);
  });

  it('refuses image_to_video without a source image URL before paying for anything', async () => {
    const job = { ...request({ type: 'image_to_video' }), imageUrl: undefined };
    await assert.rejects(generator.generate(job, progress()), isProviderError('GENERATION_NO_SOURCE_IMAGE', false));
    assert.equal(fake.creates.length, 0);
  });

  it('retries a rate-limited create later, honouring retry-after', async () => {
    fake.script.create.push({ status: 429, body: { title: 'Request was throttled.', detail: 'Expected available in 12 seconds.', status: 429 }, headers: { 'retry-after': '12' } });
    await assert.rejects(generator.generate(request(), progress()), isProviderError('GENERATION_429', true, (error) => assert.equal(error.retryAfterMs, 12_000)));
    assert.equal(fake.creates.length, 0);
  });

  it('gives up on an API that hangs, as a retryable timeout', async () => {
    fake.script.poll.push('hang');
    const started = Date.now();
    await assert.rejects(generator.generate(request(), progress()), isProviderError('GENERATION_TIMEOUT', true));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('refuses a bad token for good', async () => {
    await assert.rejects(generatorFor(fake.url, { token: 'nope' }).generate(request(), progress()), isProviderError('GENERATION_401', false));
  });

  it('resumes the prediction named by the last attempt’s heartbeat without creating another', async () => {
    fake.script.poll.push({ status: 503, body: { title: 'unavailable', status: 503 } });
    const first = progress();
    await assert.rejects(generator.generate(request(), first), isProviderError('GENERATION_503', true));
    assert.equal(fake.creates.length, 1);

    const job = request();
    const { predictionId } = await generator.generate(job, progress({ resumeFrom: first.beats.at(-1) }));
    assert.deepEqual(first.beats.at(-1), { predictionId, status: 'starting' });
    assert.equal(fake.creates.length, 1, 'no second prediction');
    assert.deepEqual(fake.downloads, [predictionId]);
    assert.ok((await readFile(job.outputPath)).equals(video));
  });

  it('cancels the prediction when the job is cancelled mid-wait', async () => {
    fake.plan = ['processing'];
    const run = abortingAfterFirstPoll(new CancelledFailure('CANCELLED'));
    await assert.rejects(generatorFor(fake.url, { pollIntervalMs: 30_000 }).generate(request(), run), CancelledFailure);
    assert.ok(Date.now() - run.abortedAt() < 1000, `took ${Date.now() - run.abortedAt()} ms`);
    assert.deepEqual(fake.cancels, [fake.polls[0]]);
  });

  it('leaves the prediction running when only this attempt stops (timed out)', async () => {
    fake.plan = ['processing'];
    await assert.rejects(generator.generate(request(), abortingAfterFirstPoll(new CancelledFailure('TIMED_OUT'))), CancelledFailure);
    assert.equal(fake.polls.length, 1);
    assert.deepEqual(fake.cancels, []);
  });

  it('on NOT_FOUND asks whether the run is still open: left running if so (another attempt holds it), cancelled if it closed', async () => {
    for (const [open, cancelled] of [[true, 0], [false, 1]] as const) {
      fake.plan = ['processing'];
      const cancels = fake.cancels.length;
      const run = { ...abortingAfterFirstPoll(new CancelledFailure('NOT_FOUND')), onlyThisAttemptStopped: async () => open };
      await assert.rejects(generator.generate(request(), run), CancelledFailure);
      assert.equal(fake.cancels.length - cancels, cancelled, `run open: ${open}`);
    }
  });
});
