import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { startPredictionsApiFake, type PredictionsApiFake } from '../../test/fakes/predictions-api.js';
import { waitUntil } from '../../test/support/job-streams.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import type { ActivityProgress, DubRequest } from '../ports.js';
import { HttpVideoDubber } from './http-dub.js';

const TOKEN = 'r8_dub_token';
const MODEL = 'sync/lipsync-2:0123456789abcdef';
const dubbed = randomBytes(150_000);

/** The lip-sync model's input for dubbing: the video and the voice-over, by URL. */
interface DubModelInput {
  video: string;
  audio: string;
}

let fake: PredictionsApiFake<DubModelInput>;
let dubber: HttpVideoDubber;
let dir: string;
let outputs = 0;

function request(): DubRequest {
  outputs += 1;
  return {
    jobId: 11,
    videoPath: '/unused/source.mp4',
    videoUrl: `https://media.example.test/uploads/users/u1/videos/1704123456_0b8f2c1d_spring.mp4?signature=${outputs}`,
    audioPath: '/unused/voice.m4a',
    audioUrl: `https://media.example.test/jobs/11/voiceover-${outputs}.m4a?signature=abc`,
    durationSeconds: 6,
    outputPath: join(dir, `dub-${outputs}.mp4`),
  };
}

function progress(options: { resumeFrom?: unknown; signal?: AbortSignal } = {}): ActivityProgress & { beats: unknown[] } {
  const beats: unknown[] = [];
  return { beats, heartbeat: (details) => void beats.push(details), report: () => undefined, resumeFrom: options.resumeFrom, signal: options.signal ?? new AbortController().signal };
}

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'http-dub-'));
  fake = await startPredictionsApiFake<DubModelInput>({
    token: TOKEN,
    output: dubbed,
    failureError: 'No face detected in the video',
    separateFileHost: true,
    parseInput(input) {
      const { video, audio } = (input ?? {}) as Partial<Record<string, unknown>>;
      if (typeof video !== 'string' || typeof audio !== 'string') return { invalid: 'input.video and input.audio are required' };
      return { input: { video, audio } };
    },
  });
  dubber = new HttpVideoDubber({ apiUrl: fake.url, token: TOKEN, model: MODEL, pollIntervalMs: 10, maxPollIntervalMs: 30, requestTimeoutMs: 1000 });
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const list of [fake.creates, fake.polls, fake.cancels, fake.downloads]) list.length = 0;
  fake.plan = ['starting', 'processing', 'succeeded'];
});

describe('HTTP dubber (predictions API, LIPSYNC_MODEL)', () => {
  it('runs the model on the video and voice-over URLs and downloads its mp4 from the file host', async () => {
    const job = request();
    const run = progress();
    const { model, predictionId } = await dubber.dub(job, run);
    assert.equal(model, MODEL);
    assert.deepEqual(fake.creates, [{ version: MODEL, input: { video: job.videoUrl, audio: job.audioUrl } }]);
    assert.deepEqual(fake.downloads, [predictionId]);
    // The API token stays with the API: the file host is another origin.
    assert.deepEqual(fake.downloadAuthorizations, [null]);
    assert.ok((await readFile(job.outputPath)).equals(dubbed));
    assert.deepEqual(run.beats[0], { predictionId, status: 'starting' });
  });

  it('fails for good with the provider’s reason when the prediction fails, leaving no file', async () => {
    fake.plan = ['processing', 'failed'];
    const job = request();
    await assert.rejects(
      dubber.dub(job, progress()),
      isProviderError('LIPSYNC_PREDICTION_FAILED', false, (error) => assert.equal(error.message, 'Lip-sync failed: No face detected in the video')),
    );
    await assert.rejects(readFile(job.outputPath), { code: 'ENOENT' });
  });

  it('resumes the prediction a crashed attempt heartbeated instead of paying for another', async () => {
    const first = await dubber.dub(request(), progress());
    fake.creates.length = 0;
    const job = request();
    const { predictionId } = await dubber.dub(job, progress({ resumeFrom: { predictionId: first.predictionId, status: 'processing' } }));
    assert.equal(predictionId, first.predictionId);
    assert.equal(fake.creates.length, 0);
    assert.ok((await readFile(job.outputPath)).equals(dubbed));
  });

  it('cancels the prediction at the provider when the job is cancelled', async () => {
    fake.plan = ['processing'];
    const controller = new AbortController();
    const running = dubber.dub(request(), progress({ signal: controller.signal }));
    await waitUntil(() => fake.polls.length >= 1, 'the first poll');
    controller.abort(new CancelledFailure('CANCELLED'));
    await assert.rejects(running, CancelledFailure);
    assert.deepEqual(fake.cancels, [fake.polls[0]]);
  });
});
