import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, it } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLipsyncApiFake } from '../../test/fakes/lipsync-api.js';
import { temporalClient, testConfig, uniqueTaskQueue } from '../../test/support/harness.js';
import { createStorage } from '../storage/create-storage.js';
import { storageKey } from '../storage/keys.js';
import type { LipsyncClip } from '../../activities/closeup/lipsync.activities.js';

const root = resolve(import.meta.dirname, '../..');
const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'lipsync-crash-'));
const TOKEN = 'r8_crash_token';
const clip = randomBytes(64_000);
const fake = await startLipsyncApiFake({ token: TOKEN, clip });
const workerEnv = {
  ...process.env,
  LIPSYNC_PROVIDER: 'http',
  LIPSYNC_API_URL: fake.url,
  LIPSYNC_API_TOKEN: TOKEN,
  LIPSYNC_MODEL: 'reelflow/lipsync',
  STORAGE_BACKEND: 'local',
  MEDIA_ROOT: join(scratch, 'media'),
  CRASH_TASK_QUEUE: uniqueTaskQueue('lipsync-crash'),
  CRASH_WORKFLOW_BUNDLE: join(scratch, 'workflow-bundle.js'),
  CRASH_TEMP_ROOT: scratch,
};
const storage = createStorage(testConfig(workerEnv));
const workers: ChildProcess[] = [];

after(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await fake.close();
});

async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/lipsync-crash/worker.ts'], { cwd: root, env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  workers.push(child);
  await new Promise<void>((ready, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ready());
    child.once('exit', (code) => failed(new Error(`worker exited with ${code} before it was ready`)));
  });
  return child;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Builds the crash workflow's bundle once for both tests. */
let bundled: Promise<void> | undefined;
function bundleOnce(): Promise<void> {
  bundled ??= bundleWorkflowCode({ workflowsPath: join(root, 'test/support/lipsync-crash/workflow.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }).then(({ code }) =>
    writeFile(workerEnv.CRASH_WORKFLOW_BUNDLE, code),
  );
  return bundled;
}

it('a worker killed mid-poll: the next attempt resumes the same prediction and the job gets its clip', async () => {
  await bundleOnce();
  const portraitKey = storageKey({ job: 77 }, 'portrait', 'jpg');
  await storage.putBuffer(portraitKey, randomBytes(1000), 'image/jpeg');
  fake.plan = ['starting', 'processing']; // keeps processing until the test settles it

  const first = await startWorker();
  const client = await temporalClient();
  try {
    const handle = await client.workflow.start('lipsyncCrashWorkflow', {
      taskQueue: workerEnv.CRASH_TASK_QUEUE,
      workflowId: `lipsync-crash-${randomUUID()}`,
      args: [{ jobId: 77, portraitKey, answers: { gender: 'male', attribute_love: 'Eyes', relationship_status: 'Single', vibe: 'Fun' } }],
    });
    await until(() => fake.polls.length >= 2, 'the first worker to poll the prediction');
    first.kill('SIGKILL');
    await once(first, 'exit');
    const pollsBeforeRestart = fake.polls.length;

    await startWorker();
    await until(() => fake.polls.length > pollsBeforeRestart, 'the second worker to resume polling');
    // Settle what the second worker polls: had it created a new prediction, that one would finish.
    const predictionId = fake.polls.at(-1);
    assert.ok(predictionId);
    fake.settle(predictionId, 'succeeded');

    const result = (await handle.result()) as LipsyncClip;
    assert.equal(fake.creates.length, 1, 'exactly one prediction was paid for');
    assert.deepEqual(new Set(fake.polls), new Set([predictionId]));
    assert.equal(result.predictionId, predictionId);
    assert.equal(result.generator, 'http');
    assert.ok((await storage.getBuffer(result.clipKey)).equals(clip));

    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt] : []));
    assert.deepEqual(attempts, [2], 'the recorded attempt is the one after the crash');
  } finally {
    await client.connection.close();
  }
});

it('a worker killed while the create was answering: the next attempt finds the prediction it made and pays for no second one', async () => {
  await bundleOnce();
  const portraitKey = storageKey({ job: 78 }, 'portrait', 'jpg');
  await storage.putBuffer(portraitKey, randomBytes(1000), 'image/jpeg');
  fake.plan = ['starting', 'processing'];
  const createsBefore = fake.creates.length;
  const listingsBefore = fake.listings;
  const pollsBefore = fake.polls.length;
  // The provider makes the prediction; its answer never reaches the worker, which dies meanwhile.
  fake.script.create.push('lost');

  const first = await startWorker();
  const client = await temporalClient();
  try {
    const handle = await client.workflow.start('lipsyncCrashWorkflow', {
      taskQueue: workerEnv.CRASH_TASK_QUEUE,
      workflowId: `lipsync-lost-create-${randomUUID()}`,
      args: [{ jobId: 78, portraitKey, answers: { gender: 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' } }],
    });
    await until(() => fake.creates.length > createsBefore, 'the first worker to create the prediction');
    first.kill('SIGKILL');
    await once(first, 'exit');

    await startWorker();
    await until(() => fake.polls.length > pollsBefore && fake.listings > listingsBefore, 'the second worker to look the prediction up and poll it', 60_000);
    const predictionId = fake.polls.at(-1)!;
    fake.settle(predictionId, 'succeeded');

    const result = (await handle.result()) as LipsyncClip;
    assert.equal(fake.creates.length - createsBefore, 1, 'exactly one prediction was paid for');
    assert.equal(result.predictionId, predictionId);
    assert.ok((await storage.getBuffer(result.clipKey)).equals(clip));
  } finally {
    await client.connection.close();
  }
});
