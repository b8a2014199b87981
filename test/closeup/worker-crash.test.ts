import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { probe } from '../../lib/media/ffmpeg.js';
import { startLipsyncApiFake, type LipsyncApiFake } from '../fakes/lipsync-api.js';
import { startWhatsAppCloudFake, type WhatsAppCloudFake } from '../fakes/whatsapp-cloud.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';
import { uniqueTaskQueue } from '../support/harness.js';
import { decodeErrors, makeClip } from '../support/media.js';
import { freePort } from '../support/ports.js';
import { ffmpegProcessesOf, isRunning, type ProcessInfo } from '../support/processes.js';
import { startWorkerProcess, type LogLine, type WorkerProcess } from '../support/worker-process.js';

/**
 * Issue 4's crash test over the whole Close-Up workflow: the production worker process
 * (worker/main.ts) is SIGKILLed while it polls a lip-sync prediction, while ffmpeg stitches, and
 * while WhatsApp has accepted the send but not yet answered. Fresh worker processes take over each
 * time, and the job still ends `sent` with one prediction created and one message sent.
 * The gaps between a kill and the retry are the stage activities' heartbeat timeouts, shortened
 * here to 4 s through ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS (30 s by default).
 */

const LIPSYNC_TOKEN = 'r8_worker_crash_token';
const PHONE_NUMBER_ID = '106540352242923';
const ACCESS_TOKEN = 'EAAG-worker-crash-token';
const APP_SECRET = 'meta-app-secret-worker-crash';
const LIFECYCLE = ['awaiting_otp', 'queued', 'photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent'];

let scratch: string;
let lipsync: LipsyncApiFake;
let whatsapp: WhatsAppCloudFake;
let stack: CloseupStack;
let api: ServerType;
let workerEnv: NodeJS.ProcessEnv;
let workerTmp = '';
const workers: WorkerProcess[] = [];
const orphans: ProcessInfo[] = [];
const startedAt = Date.now();

before(async () => {
  scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'worker-crash-'));
  // The "lip-sync" output: a real clip encoded unlike the brand clips, so stitching re-encodes and ffmpeg runs long enough to be killed.
  const clipPath = join(scratch, 'lipsync.mp4');
  await makeClip(clipPath, { width: 720, height: 1280, fps: 30, seconds: 6 });
  lipsync = await startLipsyncApiFake({ token: LIPSYNC_TOKEN, clip: await readFile(clipPath) });
  lipsync.plan = ['starting', 'processing']; // stays processing until the test settles it

  // The fake posts status webhooks to the API, which the test serves on a port chosen up front.
  const apiPort = await freePort();
  whatsapp = await startWhatsAppCloudFake({
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: ACCESS_TOKEN,
    statusWebhook: { url: `http://127.0.0.1:${apiPort}/api/v1/whatsapp/webhook`, appSecret: APP_SECRET },
    // Accepted (and announced by webhook) at once, answered only after the worker is dead.
    sendDelayMs: 10 * 60_000,
  });

  const providerEnv = {
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('worker-crash'),
    ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '4',
    PHOTO_VALIDATOR: 'local',
    SMS_PROVIDER: 'console',
    STORAGE_BACKEND: 'local',
    LIPSYNC_PROVIDER: 'http',
    LIPSYNC_API_URL: lipsync.url,
    LIPSYNC_API_TOKEN: LIPSYNC_TOKEN,
    LIPSYNC_MODEL: 'reelflow/lipsync',
    WHATSAPP_PROVIDER: 'cloud',
    WHATSAPP_API_BASE_URL: whatsapp.url,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'verify-worker-crash',
  };
  // The workers' scratch folders go to a temp dir of their own, so cleaning it touches no other test.
  workerTmp = join(scratch, 'worker-tmp');
  await mkdir(workerTmp);
  workerEnv = { ...process.env, ...providerEnv, NODE_ENV: 'test', LOG_LEVEL: 'info', TMPDIR: workerTmp };
  stack = await startCloseupStack({ worker: false, env: providerEnv });
  api = serve({ fetch: stack.app.fetch, hostname: '127.0.0.1', port: apiPort });
  await once(api, 'listening');
});

after(async () => {
  for (const worker of workers) await worker.kill(worker === workers.at(-1) ? 'SIGTERM' : 'SIGKILL');
  for (const orphan of orphans) if (await isRunning(orphan.pid, 'ffmpeg')) process.kill(orphan.pid, 'SIGKILL');
  await whatsapp.close();
  await lipsync.close();
  await new Promise((done) => api.close(done));
  await stack.stop();
  await removeAttemptFolders(await attemptFolders());
});

async function startWorker(name: string): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(name, workerEnv);
  workers.push(worker);
  return worker;
}

async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Scratch folders of this test's activity attempts (lip-sync, stitching, delivery) in the workers' temp dir. */
async function attemptFolders(jobId?: number): Promise<string[]> {
  const pattern = jobId === undefined ? /^reelflow-scratch-(lipsync|stitch|delivery)-/ : new RegExp(`^reelflow-scratch-(lipsync-${jobId}|stitch-${jobId}|delivery-${jobId})-`);
  const folders: string[] = [];
  for (const name of await readdir(workerTmp)) {
    if (!pattern.test(name)) continue;
    const info = await stat(join(workerTmp, name)).catch(() => undefined);
    if (info?.isDirectory() && info.ctimeMs >= startedAt) folders.push(name);
  }
  return folders;
}

async function removeAttemptFolders(names: string[]): Promise<void> {
  for (const name of names) await rm(join(workerTmp, name), { recursive: true, force: true });
}

/** The code the console OTP sender logged for this number, as a developer reads it. */
function otpLine(mobile: string) {
  const masked = `+91******${mobile.slice(-4)}`;
  return (line: LogLine) => line.to === masked && typeof line.msg === 'string' && /^\[console OTP\] \d{6} /.test(line.msg);
}

it('a worker killed mid lip-sync poll, mid-stitch and mid WhatsApp send: the job ends sent, one prediction, one message', { timeout: 300_000 }, async (t) => {
  const phases: string[] = [];
  const mark = (phase: string) => phases.push(`${phase} at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  try {
    const first = await startWorker('1');
    mark('first worker polling');

    const mobile = freshMobile();
    const submitted = await stack.submit({ mobile_number: mobile });
    assert.equal(submitted.body.status, 'otp_sent', JSON.stringify(submitted.body));
    const jobId = submitted.body.job_id as number;
    const token = submitted.body.tracking_token as string;
    const sms = await first.waitForLine(otpLine(mobile), 'the OTP');
    const code = /^\[console OTP\] (\d{6}) /.exec(sms.msg ?? '')?.[1] ?? '';
    assert.equal((await stack.verify(mobile, code)).body.status, 'verified');

    // 1. Lip-sync: the prediction exists and the worker is polling it while it processes.
    await until(() => lipsync.creates.length === 1 && lipsync.polls.length >= 2, 'the first worker to poll a processing prediction', 60_000);
    const predictionId = lipsync.polls[0]!;
    assert.equal(await stack.jobStatus(jobId), 'lipsync_processing');
    await first.kill('SIGKILL');
    mark('worker 1 killed mid-poll');
    const pollsBeforeCrash = lipsync.polls.length;
    const second = await startWorker('2');
    await until(() => lipsync.polls.length > pollsBeforeCrash, 'the second worker to resume polling', 90_000);
    mark('worker 2 resumed the prediction');
    lipsync.settle(predictionId, 'succeeded');

    // 2. Stitching: ffmpeg is encoding into the attempt's scratch folder.
    const encoding = await until(
      async () => {
        const stitching = (await ffmpegProcessesOf(second.pid)).filter((process) => process.args.some((arg) => arg.includes('reelflow-scratch-stitch-')));
        return stitching.length > 0 && stitching;
      },
      'the second worker to run the stitching ffmpeg',
      90_000,
    );
    assert.equal(await stack.jobStatus(jobId), 'stitching');
    await second.kill('SIGKILL');
    const stitchKilledAt = Date.now();
    mark('worker 2 killed mid-stitch');
    orphans.push(...encoding);
    // ffmpeg ignores SIGPIPE, so losing its parent does not stop it: note how long it outlives the worker.
    const orphanLifetime = (async () => {
      await until(async () => !(await Promise.all(encoding.map((process) => isRunning(process.pid, 'ffmpeg')))).some(Boolean), 'the killed worker’s ffmpeg to exit', 180_000);
      return Date.now() - stitchKilledAt;
    })();
    const third = await startWorker('3');

    // 3. Delivery: Meta has accepted the message, its answer is held, the worker dies before storing the id.
    await until(() => whatsapp.messages.length === 1, 'the third worker to send the WhatsApp message', 120_000);
    assert.equal(await stack.jobStatus(jobId), 'uploaded');
    await third.kill('SIGKILL');
    mark('worker 3 killed mid-send');
    const [unconfirmed] = await stack.sql<{ message_id: string | null; send_attempts: number }[]>`
      select message_id, send_attempts from deliveries where job_id = ${jobId}`;
    assert.deepEqual(unconfirmed, { message_id: null, send_attempts: 1 }, 'the worker died before it stored the message id');
    await whatsapp.settled();
    assert.deepEqual(whatsapp.webhookResults, [200], 'the `sent` status webhook reached the API');
    whatsapp.settings.sendDelayMs = 0;
    await startWorker('4');

    assert.equal(await stack.waitForStatus(jobId, ['sent', 'failed'], 150_000), 'sent');
    mark('job sent');

    assert.equal(lipsync.creates.length, 1, 'one prediction created (paid for)');
    assert.deepEqual([...new Set(lipsync.polls)], [predictionId], 'every poll was of that one prediction');
    assert.deepEqual(lipsync.cancels, [], 'a crash does not cancel the prediction');
    assert.equal(whatsapp.messages.length, 1, 'one WhatsApp message sent');
    assert.equal(whatsapp.uploads.length, 1);
    const [message] = whatsapp.messages;
    assert.equal(message?.bizOpaqueCallbackData, String(jobId));
    assert.equal(message?.headerVideo.id, whatsapp.uploads[0]?.id);
    assert.equal(message?.to.replace(/\D/g, ''), `91${mobile}`);

    const [delivery] = await stack.sql<{ message_id: string; status: string; send_attempts: number }[]>`
      select message_id, status, send_attempts from deliveries where job_id = ${jobId}`;
    assert.deepEqual(delivery, { message_id: message?.id, status: 'sent', send_attempts: 1 });

    const view = await stack.job(jobId, token);
    assert.equal(view.body.status, 'sent');
    const timeline = view.body.timeline as { status: string; detail: Record<string, unknown> | null }[];
    assert.deepEqual(
      timeline.map((event) => event.status),
      LIFECYCLE,
      'each stage once, in order',
    );
    assert.equal(timeline.find((event) => event.status === 'lipsync_done')?.detail?.predictionId, predictionId);
    assert.equal(timeline.find((event) => event.status === 'sent')?.detail?.messageId, message?.id);

    // The retried stitch made a whole, decodable video: intro + 6 s clip + outro.
    const link = new URL(view.body.video_url as string);
    const video = await stack.app.request(link.pathname + link.search);
    assert.equal(video.status, 200);
    const videoPath = join(scratch, 'delivered.mp4');
    await writeFile(videoPath, Buffer.from(await video.arrayBuffer()));
    const media = await probe(videoPath);
    assert.equal(media.bytes, whatsapp.uploads[0]?.size, 'WhatsApp got the stored video');
    assert.ok(media.durationSeconds > 9 && media.durationSeconds < 11, `duration ${media.durationSeconds}`);
    assert.equal(await decodeErrors(videoPath), '');

    const orphanMs = await orphanLifetime;
    const leftovers = await attemptFolders(jobId);
    t.diagnostic(phases.join('; '));
    t.diagnostic(`the killed worker's ffmpeg (pid ${encoding.map((process) => process.pid).join(', ')}) ran on for ${(orphanMs / 1000).toFixed(1)} s after the worker died`);
    t.diagnostic(`scratch folders the killed attempts left in ${workerTmp}: ${leftovers.join(', ') || 'none'}`);
  } catch (error) {
    process.stderr.write(`phases: ${phases.join('; ')}\n`);
    for (const worker of workers) process.stderr.write(`--- worker ${worker.name} (pid ${worker.pid}) output ---\n${worker.output().split('\n').slice(-150).join('\n')}\n`);
    throw error;
  }
});
