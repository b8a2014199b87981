import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import type { S3Storage } from '../../providers/storage/s3.js';
import { GROQ_FAKE_KEY } from '../fakes/groq.js';
import { startGroqSpeechFake, type GroqSpeechFake } from '../fakes/groq-speech.js';
import { startPredictionsApiFake, type PredictionsApiFake } from '../fakes/predictions-api.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { s3TestEnv } from '../support/s3.js';
import { dubbingCalls } from './dubbing-stack.js';
import { addLibraryClip, makeSourceClip } from './media.js';

const run = promisify(execFile);
const TOKEN = 'r8_dubbing_e2e';
const MODEL = 'sync/lipsync-2:dubbing-e2e';

/** The lip-sync model's input for dubbing: the video and the voice-over, by URL. */
interface DubModelInput {
  video: string;
  audio: string;
}

let stack: GenerationStack;
let predictions: PredictionsApiFake<DubModelInput>;
let speech: GroqSpeechFake;
let dir: string;
let clipPath: string;
let modelOutput: Buffer;

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'dubbing-http-'));
  clipPath = join(dir, 'source.mp4');
  await makeSourceClip(clipPath, 4);
  // What the model answers: the source's picture with other sound, as a lip-synced clip would be.
  const outputPath = join(dir, 'model-output.mp4');
  await run(process.env.FFMPEG_PATH || 'ffmpeg', ['-v', 'error', '-y', '-i', clipPath, '-f', 'lavfi', '-i', 'sine=frequency=1000:duration=4', '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', outputPath]);
  modelOutput = await readFile(outputPath);
  [predictions, speech] = await Promise.all([
    startPredictionsApiFake<DubModelInput>({
      token: TOKEN,
      output: modelOutput,
      failureError: 'No face detected in the video',
      separateFileHost: true,
      parseInput(input) {
        const { video, audio } = (input ?? {}) as Partial<Record<string, unknown>>;
        if (typeof video !== 'string' || typeof audio !== 'string') return { invalid: 'input.video and input.audio are required' };
        return { input: { video, audio } };
      },
    }),
    startGroqSpeechFake(),
  ]);
  stack = await startGenerationStack({
    env: {
      ...s3TestEnv(),
      LIPSYNC_PROVIDER: 'http',
      LIPSYNC_API_URL: predictions.url,
      LIPSYNC_API_TOKEN: TOKEN,
      LIPSYNC_MODEL: MODEL,
      TTS_PROVIDER: 'groq',
      GROQ_API_KEY: GROQ_FAKE_KEY,
      GROQ_BASE_URL: speech.url,
    },
  });
  await (stack.providers.storage as S3Storage).ensureBucket();
});
after(async () => {
  await stack?.stop();
  await Promise.all([predictions?.close(), speech?.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  predictions.plan = ['starting', 'processing', 'succeeded'];
  predictions.creates.length = 0;
  predictions.cancels.length = 0;
  predictions.polls.length = 0;
  speech.requests.length = 0;
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('dubbing through the HTTP adapters (predictions API and Groq speech fakes, S3 storage)', () => {
  it('sends LIPSYNC_MODEL presigned URLs of the library video and the voice-over, and keeps its output in the library', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const reply = await calls.create({ s3_video_id: source.id, transcript_text: 'Hello from the cloud.', voice: 'troy' });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const job = await calls.waitFor(String(reply.body.job_id), ['completed', 'failed']);
    assert.equal(job.status, 'completed', JSON.stringify(job.error));

    assert.deepEqual(speech.requests.map((request) => request.body.voice), ['troy']);
    assert.equal(predictions.creates.length, 1);
    const { version, input } = predictions.creates[0]!;
    assert.equal(version, MODEL);
    for (const url of [input.video, input.audio]) assert.match(url, /X-Amz-Signature=/, 'a presigned URL the provider can fetch');
    const video = await fetch(input.video);
    assert.equal(video.status, 200);
    assert.equal(sha256(new Uint8Array(await video.arrayBuffer())), sha256(await readFile(clipPath)));
    const audioPath = join(dir, 'voice.m4a');
    await writeFile(audioPath, Buffer.from(await (await fetch(input.audio)).arrayBuffer()));
    const voice = await probe(audioPath);
    assert.equal(voice.audio?.codec, 'aac');
    assert.equal(voice.videoStreams, 0);

    const output = job.output_video as { id: string; s3_key: string; file_size: number };
    const stored = await stack.providers.storage.getBuffer(output.s3_key);
    assert.equal(sha256(stored), sha256(modelOutput));
    assert.equal(output.file_size, modelOutput.length);
  });

  it('fails the job with the provider’s reason when the prediction fails, and refunds it', async () => {
    predictions.plan = ['processing', 'failed'];
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const reply = await calls.create({ s3_video_id: source.id, transcript_text: 'Nobody is there.' });
    const job = await calls.waitFor(String(reply.body.job_id), ['failed', 'completed']);
    assert.equal(job.status, 'failed');
    assert.deepEqual(job.error, { code: 'LIPSYNC_PREDICTION_FAILED', message: 'Lip-sync failed: No face detected in the video' });
    assert.equal(await user.balance(), 100);
  });

  it('cancels the prediction at the provider when the owner cancels the job', async () => {
    predictions.plan = ['processing'];
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const jobId = String((await calls.create({ s3_video_id: source.id, transcript_text: 'Stop me.' })).body.job_id);
    // Polled: the adapter holds the prediction's id, which the cancel needs.
    await calls.waitFor(jobId, ['processing'], () => predictions.polls.length > 0);
    const cancelled = await user.delete(`/api/v1/jobs/${jobId}`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.deepEqual(predictions.cancels, [predictions.polls[0]]);
    assert.equal(await user.balance(), 100);
  });
});
