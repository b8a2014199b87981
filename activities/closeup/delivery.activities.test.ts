import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { startWhatsAppCloudFake, GRAPH_ERRORS, type WhatsAppCloudFake } from '../../test/fakes/whatsapp-cloud.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { ProviderError } from '../../providers/provider-error.js';
import type { VideoDelivery } from '../../providers/ports.js';
import { LocalStorage } from '../../providers/storage/local.js';
import { storageKey } from '../../providers/storage/keys.js';
import { createDeliveryActivities, type DeliveredVideo } from './delivery.activities.js';
import { createVideoDelivery } from '../../providers/delivery/index.js';
import { createWhatsAppCloudDelivery } from '../../providers/delivery/whatsapp-cloud.js';

const APP_SECRET = 'meta-app-secret-for-delivery-tests';
const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAG-delivery-test-token';
const RECIPIENT = '+919876543210';

const config = testConfig({ WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: 'verify' });
const sql = testSql(config);
const temporal = createTemporalClient(config);
const logLines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
let nextJob = 800_000_000 + Math.floor(Math.random() * 10_000_000);

let api: ServerType;
let webhookUrl: string;
let storage: LocalStorage;
let tempRoot: string;

before(async () => {
  const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'deliver-video-'));
  storage = new LocalStorage({ root: join(scratch, 'media'), publicBaseUrl: 'http://localhost:8000', signingKey: Buffer.alloc(32, 1), defaultTtlSeconds: 3600 });
  tempRoot = await mkdtemp(join(scratch, 'temp-'));
  const app = createApp(createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal }));
  api = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => api.once('listening', resolve));
  webhookUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/v1/whatsapp/webhook`;
});

after(async () => {
  await new Promise((resolve) => api.close(resolve));
  await sql.end();
  await temporal.connection.close();
});

async function startFake(options: { autoSentWebhook?: boolean } = {}): Promise<WhatsAppCloudFake> {
  return startWhatsAppCloudFake({ phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, statusWebhook: { url: webhookUrl, appSecret: APP_SECRET }, ...options });
}

function cloud(fake: WhatsAppCloudFake): VideoDelivery {
  return createWhatsAppCloudDelivery({ baseUrl: fake.url, phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, templateName: 'closeup_video_ready', templateLang: 'en' });
}

/** A job with its final video in storage. */
async function jobWithVideo(): Promise<{ jobId: number; videoKey: string }> {
  const jobId = nextJob++;
  const videoKey = storageKey({ job: jobId }, 'final', 'mp4');
  await storage.putBuffer(videoKey, Buffer.concat([Buffer.from('\0\0\0\x18ftypisom'), Buffer.alloc(50_000, 3)]), 'video/mp4');
  return { jobId, videoKey };
}

function activities(delivery: VideoDelivery, graceMs = 30_000) {
  return createDeliveryActivities({ sql, delivery, storage, resolveRecipient: async () => RECIPIENT, logger, unconfirmedSendGraceMs: graceMs, tempRoot });
}

/** Runs deliverVideo as one activity attempt; collects its heartbeats. */
async function attempt(delivery: VideoDelivery, input: { jobId: number; videoKey: string }, graceMs?: number) {
  const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const outcome: { result?: DeliveredVideo; error?: unknown } = await environment.run(activities(delivery, graceMs).deliverVideo, input).then(
    (result) => ({ result: result as DeliveredVideo }),
    (error: unknown) => ({ error }),
  );
  return { ...outcome, heartbeats };
}

async function deliveryRow(jobId: number) {
  const [row] = await sql<{ status: string; message_id: string | null; media_id: string | null; send_started_at: Date | null; send_attempts: number; error_code: string | null }[]>`
    select status, message_id, media_id, send_started_at, send_attempts, error_code from deliveries where job_id = ${jobId}`;
  return row;
}

/** A cloud delivery whose worker dies right after Meta accepted the message, before the id is stored. */
function diesAfterSending(delivery: VideoDelivery): VideoDelivery {
  return {
    ...delivery,
    async send(message, signal) {
      await delivery.send(message, signal);
      throw new Error('worker died before storing the message id');
    },
  };
}

const awaitedWebhook = (heartbeats: unknown[]) => heartbeats.some((beat) => (beat as { step?: string } | undefined)?.step === 'awaiting-status-webhook');

describe('deliverVideo with the WhatsApp Cloud API', () => {
  it('uploads, sends once, stores media and message ids; a second run sends nothing', async () => {
    const fake = await startFake();
    const job = await jobWithVideo();
    const first = await attempt(cloud(fake), job);
    assert.equal(first.error, undefined);
    const second = await attempt(cloud(fake), job);
    await fake.close();

    assert.equal(fake.messages.length, 1);
    assert.equal(fake.uploads.length, 1);
    assert.deepEqual(first.result, { messageId: fake.messages[0]!.id, provider: 'cloud', alreadySent: false });
    assert.deepEqual(second.result, { messageId: fake.messages[0]!.id, provider: 'cloud', alreadySent: true });
    assert.equal(fake.messages[0]!.bizOpaqueCallbackData, String(job.jobId));
    assert.equal(fake.messages[0]!.to, RECIPIENT);
    const row = await deliveryRow(job.jobId);
    assert.equal(row?.message_id, fake.messages[0]!.id);
    assert.equal(row?.media_id, fake.uploads[0]!.id);
    assert.equal(row?.status, 'sent');
    assert.deepEqual(await readdir(tempRoot), [], 'the downloaded video was not removed');
    assert.ok(!logLines.some((line) => line.includes('9876543210')), 'the phone number reached a log line');
  });

  it('does not send again when the worker died after the send: the status webhook identifies the message', async () => {
    const fake = await startFake();
    const job = await jobWithVideo();
    const crashed = await attempt(diesAfterSending(cloud(fake)), job);
    assert.match(String((crashed.error as Error).message), /worker died/);
    assert.ok((await deliveryRow(job.jobId))?.send_started_at, 'the unconfirmed send must stay marked');

    const retry = await attempt(cloud(fake), job);
    await fake.close();
    assert.equal(fake.messages.length, 1, 'the fake saw a second message');
    assert.deepEqual(retry.result, { messageId: fake.messages[0]!.id, provider: 'cloud', alreadySent: true });
    assert.equal((await deliveryRow(job.jobId))?.message_id, fake.messages[0]!.id);
  });

  it('waits for a late status webhook within the grace period instead of sending again', async () => {
    const fake = await startFake({ autoSentWebhook: false });
    const job = await jobWithVideo();
    await attempt(diesAfterSending(cloud(fake)), job);
    const late = sleep(1500).then(() => fake.emitStatus(fake.messages[0]!, 'sent'));
    const retry = await attempt(cloud(fake), job, 20_000);
    assert.equal(await late, 200);
    await fake.close();
    assert.equal(fake.messages.length, 1);
    assert.equal(retry.result?.messageId, fake.messages[0]!.id);
    assert.ok(awaitedWebhook(retry.heartbeats));
  });

  it('sends again once the grace period passes without any sign of the earlier send', async () => {
    const fake = await startFake();
    const job = await jobWithVideo();
    const neverArrived: VideoDelivery = {
      ...cloud(fake),
      async send() {
        throw new ProviderError('WHATSAPP_TIMEOUT', 'WHATSAPP did not answer within 30000 ms', { retryable: true });
      },
    };
    const timedOut = await attempt(neverArrived, job);
    assert.ok(timedOut.error instanceof ApplicationFailure);
    assert.equal(timedOut.error.type, 'WHATSAPP_TIMEOUT');
    assert.ok((await deliveryRow(job.jobId))?.send_started_at, 'a timed-out send has an unknown outcome');

    const retry = await attempt(cloud(fake), job, 1500);
    await fake.close();
    assert.equal(retry.error, undefined);
    assert.equal(retry.result?.alreadySent, false);
    assert.equal(fake.messages.length, 1);
    assert.equal(fake.uploads.length, 1, 'the stored media id was not reused');
    assert.ok(awaitedWebhook(retry.heartbeats));
    assert.equal((await deliveryRow(job.jobId))?.send_attempts, 2);
  });

  it('retries a rate-limited send at once (Meta answered, nothing was sent), reusing the uploaded media', async () => {
    const fake = await startFake();
    const job = await jobWithVideo();
    fake.script.messages.push(GRAPH_ERRORS.pairRateLimit());
    const limited = await attempt(cloud(fake), job);
    assert.ok(limited.error instanceof ApplicationFailure);
    assert.deepEqual([limited.error.type, limited.error.nonRetryable, limited.error.nextRetryDelay], ['WHATSAPP_131056', false, 10_000]);
    const afterLimit = await deliveryRow(job.jobId);
    assert.deepEqual([afterLimit?.status, afterLimit?.error_code, afterLimit?.send_started_at], ['pending', 'WHATSAPP_131056', null]);

    const retry = await attempt(cloud(fake), job, 600_000);
    await fake.close();
    assert.equal(retry.error, undefined);
    assert.ok(!awaitedWebhook(retry.heartbeats), 'a rejected send must not wait for a webhook');
    assert.equal(fake.uploads.length, 1);
    assert.equal(fake.messages.length, 1);
    assert.equal(fake.messages[0]!.headerVideo.id, fake.uploads[0]!.id);
    assert.equal((await deliveryRow(job.jobId))?.error_code, null);
  });

  it('fails the delivery for good, with the WhatsApp code, when the recipient cannot get it', async () => {
    const fake = await startFake();
    const job = await jobWithVideo();
    fake.script.messages.push(GRAPH_ERRORS.undeliverable());
    const failed = await attempt(cloud(fake), job);
    await fake.close();
    assert.ok(failed.error instanceof ApplicationFailure);
    assert.deepEqual([failed.error.type, failed.error.nonRetryable], ['WHATSAPP_131026', true]);
    const row = await deliveryRow(job.jobId);
    assert.deepEqual([row?.status, row?.error_code, row?.message_id], ['failed', 'WHATSAPP_131026', null]);
    assert.deepEqual(await readdir(tempRoot), []);
  });

  it('lets only one of two simultaneous attempts send', async () => {
    const fake = await startFake();
    fake.settings.sendDelayMs = 500;
    const job = await jobWithVideo();
    const [one, two] = await Promise.all([attempt(cloud(fake), job), attempt(cloud(fake), job)]);
    await fake.close();
    assert.equal(fake.messages.length, 1);
    const ids = [one, two].flatMap((outcome) => (outcome.result ? [outcome.result.messageId] : []));
    assert.ok(ids.length >= 1 && ids.every((id) => id === fake.messages[0]!.id));
    for (const outcome of [one, two]) {
      if (outcome.error) assert.equal((outcome.error as ApplicationFailure).type, 'DELIVERY_CONCURRENT_ATTEMPT');
    }
  });
});

describe('deliverVideo with the outbox', () => {
  it('records one outbox message per job with a masked number and the signed video URL', async () => {
    const outbox = createVideoDelivery(testConfig({ WHATSAPP_PROVIDER: 'outbox' }), { sql, logger });
    const job = await jobWithVideo();
    logLines.length = 0;
    const crashed = await attempt(diesAfterSending(outbox), job);
    assert.ok(crashed.error);
    const first = await attempt(outbox, job, 600_000);
    const second = await attempt(outbox, job);
    assert.equal(first.result?.provider, 'outbox');
    assert.ok(!awaitedWebhook(first.heartbeats), 'the outbox can repeat a send safely and must not wait');
    assert.equal(second.result?.alreadySent, true);
    assert.equal(second.result?.messageId, first.result?.messageId);

    const rows = await sql<{ message_id: string; recipient_masked: string; template_name: string; video_url: string }[]>`
      select message_id, recipient_masked, template_name, video_url from whatsapp_outbox where job_id = ${job.jobId}`;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.message_id, first.result?.messageId);
    assert.equal(rows[0]?.recipient_masked, '+91******3210');
    assert.equal(rows[0]?.template_name, 'closeup_video_ready');
    assert.ok(rows[0]?.video_url.startsWith(`http://localhost:8000/media/${job.videoKey}`), rows[0]?.video_url);
    assert.equal(logLines.filter((line) => line.includes('[whatsapp outbox]')).length, 1);
    assert.ok(!logLines.some((line) => line.includes('9876543210')));
  });
});
