import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { bundleWorkflowCode } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { startWhatsAppCloudFake, type WhatsAppCloudFake } from '../../test/fakes/whatsapp-cloud.js';
import { temporalClient, testConfig, testSql, uniqueTaskQueue } from '../../test/support/harness.js';
import { LocalStorage } from '../../providers/storage/local.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { DeliveredVideo } from './delivery.activities.js';

/**
 * The worker process dies (SIGKILL) while Meta is still answering the send: the message has gone
 * out, its id was never stored. A second worker takes over the activity and must not send again.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const APP_SECRET = 'meta-app-secret-for-crash-test';
const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAG-crash-test-token';

const config = testConfig({ WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: 'verify' });
const sql = testSql(config);
const temporal = createTemporalClient(config);

let api: ServerType;
let fake: WhatsAppCloudFake;
let scratch: string;
let bundlePath: string;
const workers: ChildProcess[] = [];

before(async () => {
  scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'delivery-crash-'));
  api = serve({ fetch: createApp(createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal })).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => api.once('listening', done));
  const webhookUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/v1/whatsapp/webhook`;
  fake = await startWhatsAppCloudFake({ phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, statusWebhook: { url: webhookUrl, appSecret: APP_SECRET }, sendDelayMs: 60_000 });
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(ROOT, 'test/fixtures/delivery-workflow.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  bundlePath = join(scratch, 'delivery-workflow-bundle.js');
  await writeFile(bundlePath, code);
});

after(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await fake.close();
  await new Promise((done) => api.close(done));
  await sql.end();
  await temporal.connection.close();
});

/** A worker process polling `taskQueue`, resolved once it says it is ready. */
async function startWorker(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/delivery-worker.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DELIVERY_WORKER_OPTIONS: JSON.stringify({
        taskQueue,
        bundlePath,
        graphUrl: fake.url,
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: TOKEN,
        mediaRoot: join(scratch, 'media'),
        recipient: '+919876543210',
      }),
    },
  });
  workers.push(child);
  await new Promise<void>((ready, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ready());
    child.once('exit', (code) => failed(new Error(`delivery worker exited (${code}) before it was ready`)));
  });
  return child;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('deliverVideo when the worker is killed mid-send', () => {
  it('finishes on a second worker with exactly one message sent', { timeout: 120_000 }, async () => {
    const jobId = 600_000_000 + Math.floor(Math.random() * 10_000_000);
    const videoKey = storageKey({ job: jobId }, 'final', 'mp4');
    const storage = new LocalStorage({ root: join(scratch, 'media'), publicBaseUrl: config.PUBLIC_BASE_URL, signingKey: config.MEDIA_SIGNING_KEY, defaultTtlSeconds: 3600 });
    await storage.putBuffer(videoKey, Buffer.concat([Buffer.from('\0\0\0\x18ftypisom'), Buffer.alloc(100_000, 5)]), 'video/mp4');

    const taskQueue = uniqueTaskQueue('delivery-crash');
    const first = await startWorker(taskQueue);
    const client = await temporalClient(config);
    const handle = await client.workflow.start('deliverVideoTestWorkflow', { taskQueue, workflowId: `delivery-crash-${jobId}`, args: [{ jobId, videoKey }] });

    await until(() => fake.messages.length === 1, 60_000, 'the send to reach the Graph fake');
    first.kill('SIGKILL');
    await new Promise((done) => first.once('exit', done));
    fake.settings.sendDelayMs = 0;

    await startWorker(taskQueue);
    const result = (await handle.result()) as DeliveredVideo;
    await client.connection.close();

    assert.equal(fake.messages.length, 1, 'the second worker sent the video again');
    assert.equal(fake.uploads.length, 1);
    assert.deepEqual(result, { messageId: fake.messages[0]!.id, provider: 'cloud', alreadySent: true });
    const [row] = await sql<{ message_id: string; status: string; send_attempts: number }[]>`
      select message_id, status, send_attempts from deliveries where job_id = ${jobId}`;
    assert.deepEqual(row, { message_id: fake.messages[0]!.id, status: 'sent', send_attempts: 1 });
  });
});
