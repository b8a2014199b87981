import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { probe } from '../../lib/media/ffmpeg.js';
import { generationWorkflowId } from '../../workflows/generation/contract.js';
import { startPredictionsApiFake, type PredictionStatus, type PredictionsApiFake } from '../fakes/predictions-api.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { uniqueTaskQueue } from '../support/harness.js';
import { waitUntil } from '../support/job-streams.js';
import { decodeErrors, makeClip } from '../support/media.js';
import { printOutputOnFailure, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * Generation over the real stack with GENERATION_PROVIDER=http against the loopback predictions
 * fake, the worker a child process (worker/main.ts) the test can SIGKILL: a crash mid-poll resumes
 * the one paid prediction, an admin retry never charges or refunds twice, and a cancel reaches the
 * provider. A killed attempt is retried after ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS (2 s here).
 */

const TOKEN = 'r8_generation_crash_token';
/** A fresh user's ledger, newest first, after one 10 DUST job was charged, and after it was refunded too. */
const CHARGED: [string, number][] = [
  ['debit', -10],
  ['starting_balance', 100],
];
const REFUNDED: [string, number][] = [['refund', 10], ...CHARGED];

type ModelInput = { prompt: string };
let fake: PredictionsApiFake<ModelInput>;
let stack: GenerationStack;
let scratch: string;
/** What every succeeded prediction outputs: a real 2 s 480×854 mp4. */
let output: Buffer;
let workerEnv: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(String(workers.length + 1), workerEnv);
  workers.push(worker);
  return worker;
}

before(async () => {
  scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'generation-crash-'));
  const clipPath = join(scratch, 'prediction.mp4');
  await makeClip(clipPath, { width: 480, height: 854, fps: 24, seconds: 2 });
  output = await readFile(clipPath);
  fake = await startPredictionsApiFake<ModelInput>({
    token: TOKEN,
    output,
    failureError: 'Model timeout',
    parseInput: (input) => (typeof (input as Partial<ModelInput> | null)?.prompt === 'string' ? { input: input as ModelInput } : { invalid: 'input.prompt is required' }),
  });
  const env = {
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('generation-crash'),
    ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '2',
    GENERATION_PROVIDER: 'http',
    GENERATION_API_URL: fake.url,
    GENERATION_API_TOKEN: TOKEN,
  };
  // No workflow cache: the task after a crash must not wait for the dead worker's sticky queue.
  workerEnv = { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'info', WORKER_MAX_CACHED_WORKFLOWS: '0' };
  [stack] = await Promise.all([startGenerationStack({ worker: false, env }), startWorker()]);
});

after(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  await stack?.stop();
  await fake?.close();
});

/** The prediction id the job's running generate attempt has heartbeated to Temporal (what a retried attempt resumes), once it has. */
async function heartbeatedPrediction(jobId: string): Promise<string | undefined> {
  const description = await stack.temporal.workflow.getHandle(generationWorkflowId(jobId)).describe();
  const payload = description.raw.pendingActivities?.find((activity) => activity.activityType?.name === 'generateVideo')?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<{ predictionId?: string }>(payload).predictionId : undefined;
}

/** Waits until the job's prediction exists, its id is recorded at Temporal and the fake has answered a poll of it. */
async function pollingPrediction(jobId: string): Promise<string> {
  let predictionId: string | undefined;
  await waitUntil(async () => {
    predictionId ??= await heartbeatedPrediction(jobId);
    return predictionId !== undefined && fake.polls.includes(predictionId);
  }, `job ${jobId}'s prediction to be heartbeated and polled`, 30_000);
  return predictionId!;
}

/** The attempt numbers of the job's generateVideo activity that started, as the workflow history records them. */
async function generateAttempts(jobId: string): Promise<number[]> {
  const history = await stack.temporal.workflow.getHandle(generationWorkflowId(jobId)).fetchHistory();
  const events = history.events ?? [];
  const generateScheduled = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'generateVideo').map((event) => Number(event.eventId)));
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    return started && generateScheduled.has(Number(started.scheduledEventId)) ? [started.attempt ?? 0] : [];
  });
}

/** The user's ledger as [kind, amount], newest first. */
async function ledgerOf(user: GenerationClient): Promise<[string, number][]> {
  const { body } = await user.get<{ ledger: { kind: string; amount: number }[] }>('/credits');
  return body.ledger.map((entry) => [entry.kind, entry.amount]);
}

/** A fresh user submits a text_to_video job whose prediction's polls walk through `plan`; with what the fake had seen before. */
async function submit(plan: PredictionStatus[], prompt: string) {
  fake.plan = plan;
  const seen = { creates: fake.creates.length, downloads: fake.downloads.length, cancels: fake.cancels.length };
  const user = await stack.as();
  const accepted = await user.generate({ prompt, aspect_ratio: '9:16' });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  return { user, jobId: String(accepted.body.job_id), seen };
}

/** A test that also prints the worker processes' output when it fails. */
const crashTest = (name: string, body: () => Promise<void>) => it(name, { timeout: 90_000 }, () => printOutputOnFailure(workers, body));

describe('generation with the worker as a process and the HTTP generator', () => {
  crashTest('a worker killed mid-poll: the next one resumes the same prediction, the job completes, charged once', async () => {
    const { user, jobId, seen } = await submit(['starting', 'processing'], 'A lighthouse in a storm, waves crashing'); // until settled below
    const predictionId = await pollingPrediction(jobId);
    assert.equal((await user.get(`/videos/jobs/${jobId}/status`)).body.status, 'processing');

    await workers.at(-1)!.kill('SIGKILL');
    fake.settle(predictionId, 'succeeded');
    await startWorker();
    const done = await user.waitFor(jobId, ['completed', 'failed'], 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done));

    assert.equal(fake.creates.length - seen.creates, 1, 'one prediction created (paid for)');
    assert.deepEqual(fake.cancels.slice(seen.cancels), [], 'a crash does not cancel the prediction');
    assert.deepEqual(fake.downloads.slice(seen.downloads), [predictionId]);
    assert.deepEqual(await generateAttempts(jobId), [2], 'the recorded attempt is the one after the crash');

    const result = await user.get<{ video: { url: string; duration_seconds: number }; generation_info: { model_used: string } }>(`/videos/jobs/${jobId}/result`);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.generation_info.model_used, stack.config.TEXT_TO_VIDEO_MODEL);
    const link = new URL(result.body.video.url);
    const served = await stack.app.request(link.pathname + link.search);
    assert.equal(served.status, 200);
    const videoPath = join(scratch, `${jobId}.mp4`);
    await writeFile(videoPath, Buffer.from(await served.arrayBuffer()));
    assert.ok((await readFile(videoPath)).equals(output), 'the user gets the provider’s video');
    const media = await probe(videoPath);
    assert.equal(media.video?.codec, 'h264');
    assert.deepEqual([media.video?.width, media.video?.height], [480, 854]);
    assert.ok(Math.abs(result.body.video.duration_seconds - 2) < 0.1, `duration ${result.body.video.duration_seconds}`);
    assert.equal(await decodeErrors(videoPath), '');

    assert.equal(await user.balance(), 90);
    assert.deepEqual(await ledgerOf(user), CHARGED);
  });

  crashTest('a failed prediction refunds once; admin retries (failing again, then succeeding) never move the balance again', async () => {
    const { user, jobId, seen } = await submit(['failed'], 'A train crossing a desert at dusk');
    const failed = async () => {
      assert.equal((await user.waitFor(jobId, ['failed', 'completed'])).status, 'failed');
      const result = await user.get(`/videos/jobs/${jobId}/result`);
      assert.equal(result.body.error, 'Video generation failed: Model timeout');
      assert.equal(await user.balance(), 100);
      assert.deepEqual(await ledgerOf(user), REFUNDED);
    };
    const retry = async (count: number) => {
      const retried = await stack.admin('POST', `/api/v1/admin/jobs/${jobId}/retry`);
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.new_status, 'queued');
      assert.equal(retried.body.retry_count, count);
    };

    await failed();
    await retry(1);
    await failed();
    fake.plan = ['succeeded'];
    await retry(2);
    const done = await user.waitFor(jobId, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.ok((await user.get<{ video?: unknown }>(`/videos/jobs/${jobId}/result`)).body.video, 'the retried job has its video');

    assert.equal(fake.creates.length - seen.creates, 3, 'each run of the stage pays for one prediction');
    assert.equal(await user.balance(), 100, 'the retry is on the house');
    assert.deepEqual(await ledgerOf(user), REFUNDED);
  });

  crashTest('a cancel while the prediction processes cancels it at the provider and refunds', async () => {
    const { user, jobId, seen } = await submit(['processing'], 'Fireflies over a pond');
    const predictionId = await pollingPrediction(jobId);

    const cancelled = await user.delete(`/videos/jobs/${jobId}`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.deepEqual(fake.cancels.slice(seen.cancels), [predictionId]);
    assert.equal(await user.balance(), 100);
    assert.deepEqual(await ledgerOf(user), REFUNDED);
  });

  crashTest('a download slower than the heartbeat timeout is not retried: one download, the job completes', async () => {
    const { user, jobId, seen } = await submit(['succeeded'], 'A slow river through a canyon');
    fake.downloadMs = 5_000;
    try {
      const done = await user.waitFor(jobId, ['completed', 'failed'], 60_000);
      assert.equal(done.status, 'completed', JSON.stringify(done));
    } finally {
      fake.downloadMs = 0;
    }
    assert.equal(fake.downloads.length - seen.downloads, 1, 'downloaded once: the attempt never timed out');
    assert.deepEqual(await generateAttempts(jobId), [1]);
    assert.deepEqual(await ledgerOf(user), CHARGED);
  });

  crashTest('a cancel the stuck worker does not answer: terminated, refunded, and it never completes afterwards', async () => {
    const { user, jobId, seen } = await submit(['processing'], 'A frozen waterfall');
    const predictionId = await pollingPrediction(jobId);
    const stuck = workers.at(-1)!;
    stuck.child.kill('SIGSTOP');
    try {
      const cancelled = await user.delete(`/videos/jobs/${jobId}`);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      fake.settle(predictionId, 'succeeded');
    } finally {
      stuck.child.kill('SIGCONT');
    }
    // The woken attempt finds its run gone at its next heartbeat and cancels the prediction — unless
    // its poll, racing that heartbeat, saw the prediction succeed first: then it downloads the
    // output, and its completion is refused (a loaded CI run took that branch). Either way it ends.
    const cancelledAtProvider = () => fake.cancels.slice(seen.cancels).includes(predictionId);
    await waitUntil(() => cancelledAtProvider() || fake.downloads.slice(seen.downloads).includes(predictionId), 'the woken attempt to cancel the prediction or reach its output', 20_000);
    const described = await stack.temporal.workflow.getHandle(generationWorkflowId(jobId)).describe();
    assert.equal(described.status.name, 'TERMINATED');
    assert.equal((await user.get(`/videos/jobs/${jobId}/status`)).body.status, 'cancelled');
    assert.equal((await user.get<{ videos: unknown[] }>('/videos')).body.videos.length, 0);
    assert.deepEqual(await ledgerOf(user), REFUNDED);
  });
});
