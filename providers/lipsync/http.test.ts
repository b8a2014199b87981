import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { startLipsyncApiFake, type LipsyncApiFake } from '../../test/fakes/lipsync-api.js';
import type { ActivityProgress, LipsyncInput } from '../ports.js';
import { HttpLipsyncGenerator, lipsyncScript } from './http.js';
import { isProviderError } from '../../test/support/provider-errors.js';

const TOKEN = 'r8_test_token';
const MODEL = 'reelflow/lipsync:0123456789abcdef';
const clip = randomBytes(200_000);
const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'lipsync-http-'));
const answers = { gender: 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' };

let fake: LipsyncApiFake;
let generator: HttpLipsyncGenerator;
let outputs = 0;

function input(): LipsyncInput {
  outputs += 1;
  return { jobId: 7, portraitPath: '/unused', portraitUrl: 'https://media.example.test/media/jobs/7/portrait.jpg?signature=abc', answers, outputPath: join(scratch, `clip-${outputs}.mp4`) };
}

function progress(options: { resumeFrom?: unknown; signal?: AbortSignal; earlierAttemptsSince?: Date } = {}): ActivityProgress & { beats: unknown[] } {
  const beats: unknown[] = [];
  return {
    beats,
    heartbeat: (details) => void beats.push(details),
    report: () => undefined,
    resumeFrom: options.resumeFrom,
    signal: options.signal ?? new AbortController().signal,
    ...(options.earlierAttemptsSince ? { earlierAttemptsSince: options.earlierAttemptsSince } : {}),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A prediction made by an earlier attempt (a crashed worker), straight through the API. */
async function createdElsewhere(): Promise<string> {
  const response = await fetch(`${fake.url}/predictions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: MODEL, input: { image: 'https://x.test/p.jpg', text: 'hi' } }),
  });
  return ((await response.json()) as { id: string }).id;
}

describe('HTTP lip-sync adapter', () => {
  before(async () => {
    fake = await startLipsyncApiFake({ token: TOKEN, clip });
    generator = new HttpLipsyncGenerator({ apiUrl: `${fake.url}/`, token: TOKEN, model: MODEL, pollIntervalMs: 10, maxPollIntervalMs: 30, requestTimeoutMs: 1500, downloadTimeoutMs: 4000 });
  });
  after(() => fake.close());
  beforeEach(() => {
    for (const list of [fake.creates, fake.polls, fake.cancels, fake.downloads]) list.length = 0;
    fake.plan = ['starting', 'processing', 'succeeded'];
  });

  it('creates one prediction, polls it to success and downloads the clip', async () => {
    const job = input();
    const run = progress();
    const { predictionId } = await generator.generate(job, run);

    assert.deepEqual(fake.creates, [{ version: MODEL, input: { image: job.portraitUrl, text: lipsyncScript(answers) } }]);
    assert.match(fake.creates[0]?.input.text ?? '', /Smile.*Dating.*Romance/);
    assert.deepEqual(fake.polls, [predictionId, predictionId, predictionId]);
    assert.ok((await readFile(job.outputPath)).equals(clip));
    // The id is recorded before the first poll, then again with every poll.
    assert.deepEqual(run.beats, [
      { predictionId, status: 'starting' },
      { predictionId, status: 'starting' },
      { predictionId, status: 'processing' },
      { predictionId, status: 'succeeded' },
    ]);
  });

  it('fails for good with the provider’s reason when the prediction fails', async () => {
    fake.plan = ['processing', 'failed'];
    const job = input();
    await assert.rejects(
      generator.generate(job, progress()),
      isProviderError('LIPSYNC_PREDICTION_FAILED', false, (error) => assert.match(error.message, /CUDA out of memory/)),
    );
    await assert.rejects(readFile(job.outputPath), { code: 'ENOENT' });
  });

  it('names a prediction canceled or aborted at the provider', async () => {
    fake.plan = ['canceled'];
    await assert.rejects(generator.generate(input(), progress()), isProviderError('LIPSYNC_PREDICTION_CANCELED', false));
    fake.plan = ['starting', 'aborted'];
    await assert.rejects(generator.generate(input(), progress()), isProviderError('LIPSYNC_PREDICTION_ABORTED', false));
  });

  it('retries a rate-limited create later, honouring retry-after, without creating anything', async () => {
    fake.script.create.push({ status: 429, body: { title: 'Request was throttled.', detail: 'Expected available in 7 seconds.', status: 429 }, headers: { 'retry-after': '7' } });
    await assert.rejects(generator.generate(input(), progress()), isProviderError('LIPSYNC_429', true, (error) => assert.equal(error.retryAfterMs, 7000)));
    assert.equal(fake.creates.length, 0);
  });

  it('gives up on a create that hangs, as a retryable timeout', async () => {
    fake.script.create.push('hang');
    const started = Date.now();
    await assert.rejects(generator.generate(input(), progress()), isProviderError('LIPSYNC_TIMEOUT', true));
    assert.ok(Date.now() - started < 4000);
  });

  it('refuses a bad token for good', async () => {
    const wrong = new HttpLipsyncGenerator({ apiUrl: fake.url, token: 'nope', model: MODEL });
    await assert.rejects(wrong.generate(input(), progress()), isProviderError('LIPSYNC_401', false));
  });

  it('after a 500 while polling, the next attempt resumes the same prediction', async () => {
    fake.script.poll.push({ status: 500, body: { title: 'Internal server error', detail: 'try again', status: 500 } });
    const first = progress();
    await assert.rejects(generator.generate(input(), first), isProviderError('LIPSYNC_500', true));
    const details = first.beats.at(-1);
    assert.equal(fake.creates.length, 1);

    const job = input();
    const { predictionId } = await generator.generate(job, progress({ resumeFrom: details }));
    assert.deepEqual(details, { predictionId, status: 'starting' });
    assert.equal(fake.creates.length, 1);
    assert.ok((await readFile(job.outputPath)).equals(clip));
  });

  it('resumes polling a prediction named in resumeFrom without creating one', async () => {
    const id = await createdElsewhere();
    fake.creates.length = 0;
    const job = input();
    const { predictionId } = await generator.generate(job, progress({ resumeFrom: { predictionId: id, status: 'processing' } }));
    assert.equal(predictionId, id);
    assert.equal(fake.creates.length, 0);
    assert.deepEqual(fake.downloads, [id]);
  });

  it('an attempt after one lost while its create was answering finds that prediction (URL signed again, listed pages on) and creates none', async () => {
    fake.creates.length = 0;
    const firstScheduled = new Date();
    fake.script.create.push('lost');
    await assert.rejects(generator.generate(input(), progress()), isProviderError('LIPSYNC_TIMEOUT', true));
    assert.equal(fake.creates.length, 1);
    // Newer predictions of the account push the lost one to the third page.
    fake.listPageSize = 1;
    await createdElsewhere();
    await createdElsewhere();
    try {
      const job = { ...input(), portraitUrl: 'https://media.example.test/media/jobs/7/portrait.jpg?signature=signed-again' };
      const { predictionId } = await generator.generate(job, progress({ earlierAttemptsSince: firstScheduled }));
      assert.equal(fake.creates.length, 3, 'no create by the second attempt');
      assert.equal(fake.downloads.at(-1), predictionId);
      assert.ok((await readFile(job.outputPath)).equals(clip));
    } finally {
      fake.listPageSize = 100;
    }
  });

  it('an attempt after one that created nothing, or whose prediction failed, creates one', async () => {
    const firstScheduled = new Date();
    const creates = fake.creates.length;
    const job = { ...input(), answers: { ...answers, vibe: 'Adventure' } };
    await generator.generate(job, progress({ earlierAttemptsSince: firstScheduled }));
    assert.equal(fake.creates.length, creates + 1);

    fake.settle(fake.polls.at(-1)!, 'failed');
    await generator.generate(job, progress({ earlierAttemptsSince: firstScheduled }));
    assert.equal(fake.creates.length, creates + 2, 'the failed prediction is not taken over');
  });

  it('a download that breaks leaves no file and is retried', async () => {
    fake.script.download.push({ status: 503, body: { title: 'unavailable', status: 503 } });
    const job = input();
    await assert.rejects(generator.generate(job, progress()), isProviderError('LIPSYNC_503', true));
    assert.deepEqual((await readdir(scratch)).filter((name) => name.includes(`clip-${outputs}.`)), []);
  });

  it('cancels the prediction promptly when the job is cancelled mid-wait', async () => {
    fake.plan = ['processing'];
    const slow = new HttpLipsyncGenerator({ apiUrl: fake.url, token: TOKEN, model: MODEL, pollIntervalMs: 30_000 });
    const controller = new AbortController();
    const running = slow.generate(input(), progress({ signal: controller.signal }));
    await until(() => fake.polls.length === 1, 'the first poll');
    const started = Date.now();
    controller.abort(new CancelledFailure('CANCELLED'));
    await assert.rejects(running, CancelledFailure);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.deepEqual(fake.cancels, [fake.polls[0]]);
  });

  it('leaves the prediction running when only this attempt stops (worker shutdown)', async () => {
    fake.plan = ['processing'];
    const controller = new AbortController();
    const running = generator.generate(input(), progress({ signal: controller.signal }));
    await until(() => fake.polls.length === 1, 'the first poll');
    controller.abort(new CancelledFailure('WORKER_SHUTDOWN'));
    await assert.rejects(running, CancelledFailure);
    assert.deepEqual(fake.cancels, []);
  });
});
